"""A small host app for testing one queue screen on its own (the real app shell lives in
tui/app.py): it has ``.settings`` and the stylesheet of the real app, may open the database
and seed it in its own event loop (snapshot tests run the app with ``app.run``), and shows one
screen. ``settle`` waits until a screen has stopped changing."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, TextArea

from shopdesk.config import Settings
from tui.app import ShopdeskApp

APP_CSS = str(Path(inspect.getfile(ShopdeskApp)).with_name(ShopdeskApp.CSS_PATH))


class HostApp(App[None]):
    """Shows ``screen()``; with ``open_db`` it opens (and closes) the database itself."""

    CSS_PATH = APP_CSS

    def __init__(
        self,
        settings: Settings,
        screen: Callable[[], Screen],
        *,
        open_db: bool = False,
        seed: Callable[[Settings], Awaitable[object]] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self._screen = screen
        self._open_db = open_db
        self._seed = seed

    async def on_mount(self) -> None:
        if self._open_db:
            from shopdesk.db import init_db

            await init_db(self.settings)
        if self._seed is not None:
            await self._seed(self.settings)
        await self.push_screen(self._screen())

    async def on_unmount(self) -> None:
        if self._open_db:
            from shopdesk.db import close_db

            await close_db()


async def settle(pilot: Pilot) -> None:
    """Wait until the screen's workers are done and their messages handled (an exclusive
    worker replaced by a newer one counts as done), and the screen is drawn as it will stay:
    tables have measured their rows, text cursors do not blink."""
    from textual.worker import WorkerCancelled

    for _ in range(4):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
        await pilot.pause()
    await measure_tables(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False


async def measure_tables(pilot: Pilot) -> None:
    """Run the measuring a DataTable leaves for an idle moment (Textual 8.2's ``_on_idle``:
    column widths and row heights after rows were added or cells updated). A snapshot taken
    before it shows the columns too narrow, now and then, when the machine is busy."""
    for table in pilot.app.screen.query(DataTable):
        if table._require_update_dimensions or table._updated_cells:
            await table._on_idle(None)  # type: ignore[arg-type]
    await pilot.pause()
