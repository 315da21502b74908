"""The owner's TUI: six sections as Textual modes, global keys, the palette and the live feed."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from shopdesk.config import Settings
from shopdesk.errors import ConfigError
from tui.commands import ShopdeskCommands
from tui.keys import check_keymap
from tui.live import ChangeFeed

if TYPE_CHECKING:
    from shopdesk.services.first_page import FirstPage
    from shopdesk.views import OrderPage

# mode -> (module, class, title)
SECTIONS: dict[str, tuple[str, str, str]] = {
    "dashboard": ("tui.screens.dashboard", "DashboardScreen", "Dashboard"),
    "orders": ("tui.screens.orders", "OrdersScreen", "Orders"),
    "exceptions": ("tui.screens.exceptions", "ExceptionsScreen", "Exceptions"),
    "returns": ("tui.screens.returns", "ReturnsScreen", "Returns"),
    "notifications": ("tui.screens.notifications", "NotificationsScreen", "Notifications"),
    "settings": ("tui.screens.settings", "SettingsScreen", "Settings"),
}


class MissingSection(Screen):
    """Shown for a section whose screen is not part of this build."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = title

    def compose(self) -> ComposeResult:
        yield Static(f"{self.title} is not available in this build of shopdesk.", id="missing")
        yield Footer()


def section_factory(mode: str) -> Callable[[], Screen]:
    """A factory that imports the section's module the first time the mode is shown."""
    module_name, class_name, title = SECTIONS[mode]

    def make() -> Screen:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return MissingSection(title)
        return getattr(module, class_name)()

    return make


class ShopdeskApp(App[None]):
    """The shop owner's workplace."""

    CSS_PATH = "shopdesk.tcss"
    TITLE = "shopdesk"
    MODES: ClassVar[dict[str, str | Callable[[], Screen]]] = {
        mode: section_factory(mode) for mode in SECTIONS
    }
    COMMANDS: ClassVar[set[type[Provider]]] = {ShopdeskCommands}  # Textual's own included
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "section('dashboard')", "Dashboard", id="app.dashboard", show=False),
        Binding("o", "section('orders')", "Orders", id="app.orders", show=False),
        Binding("x", "section('exceptions')", "Exceptions", id="app.exceptions", show=False),
        Binding("r", "section('returns')", "Returns", id="app.returns", show=False),
        Binding(
            "n", "section('notifications')", "Notifications", id="app.notifications", show=False
        ),
        Binding("s", "section('settings')", "Settings", id="app.settings", show=False),
        Binding("slash", "focus_search", "Search", id="app.search", show=False),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        now: datetime | None = None,
        live_interval: float = 1.0,
        start: str = "orders",
        open_database: bool = False,
        first_page: FirstPage | None = None,
    ) -> None:
        super().__init__()
        self.open_database = open_database
        self.first_page = first_page  # the Orders screen takes its page, once
        self.database_ready = asyncio.Event()  # set once the database is open and followed
        self._first_page_taken = False
        self.settings = settings
        self.fixed_now = now
        self.start_mode = start
        self.feed = ChangeFeed(self, interval=live_interval)
        self.set_keymap(dict(settings.tui_keys))

    def now(self) -> datetime:
        """The current time (fixed in tests and snapshots)."""
        from shopdesk.services.common import utcnow

        return self.fixed_now or utcnow()

    async def on_mount(self) -> None:
        self.theme = "textual-dark"
        if self.first_page is not None:
            # The newest orders were read without the ORM: show them, then open the database.
            await self.switch_mode(self.start_mode)
            self.run_worker(self._open(), group="database", description="Opening the database")
        else:
            await self._open()
            await self.switch_mode(self.start_mode)

    async def _open(self) -> None:
        if self.open_database:
            # Imported in a thread: Tortoise takes a while to import, and the screen stays live.
            await asyncio.to_thread(importlib.import_module, "shopdesk.services.queries")
            from shopdesk.db import init_db

            await init_db(self.settings, migrate=False)
        await self.feed.start(self.first_page.change_id if self.first_page else None)
        self.database_ready.set()

    def take_first_page(self) -> OrderPage | None:
        """The page read before the database was opened, once (for the Orders screen)."""
        if self._first_page_taken or self.first_page is None:
            return None
        self._first_page_taken = True
        return self.first_page.page

    async def on_unmount(self) -> None:
        if self.open_database:
            from shopdesk.db import close_db

            await close_db()

    async def action_section(self, mode: str) -> None:
        await self.database_ready.wait()  # at most a moment, just after start
        if self.current_mode != mode:
            await self.switch_mode(mode)

    def action_focus_search(self) -> None:
        found = self.screen.query("Input#search, Input.search")
        if found:
            found.first(Input).focus()
        else:
            self.notify("This screen has no search.", severity="warning", timeout=3)

    def action_help(self) -> None:
        from tui.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def make_tui(
    settings: Settings,
    *,
    now: datetime | None = None,
    live_interval: float = 1.0,
    start: str = "orders",
    open_database: bool = False,
    first_page: FirstPage | None = None,
) -> ShopdeskApp:
    """The TUI for these settings.

    The database must already be open in this process, unless ``open_database``: then the
    app opens it on its own event loop when it starts and closes it when it ends. With
    ``first_page`` (read before the database was opened) the Orders screen shows it at once
    while the database opens in the background.

    Raises:
        ConfigError: ``[tui.keys]`` names an action this app does not have.
    """
    check_keymap(settings.tui_keys)
    if start not in SECTIONS:
        raise ConfigError(f"no section {start!r}; one of: {', '.join(SECTIONS)}")
    return ShopdeskApp(
        settings,
        now=now,
        live_interval=live_interval,
        start=start,
        open_database=open_database,
        first_page=first_page,
    )
