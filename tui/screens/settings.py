"""Settings: carrier API health, where the files live, the channel check, and the effective
configuration with secrets masked. Read-only: the config file is the place to change things."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from shopdesk.config import Settings
from tui.messages import DataChanged
from tui.screens.settings_carriers import CarrierTable
from tui.widgets.queue import StatusLine
from tui.workers import guarded_work

if TYPE_CHECKING:
    from shopdesk.carriers.status import CarrierStatus


def _reason(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__


class SettingsScreen(Screen):
    """The effective configuration."""

    DEFAULT_CSS = """
    SettingsScreen #settings { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "check", "Check channels", id="settings.check"),
        Binding("g", "reload", "Reload", id="settings.reload"),
    ]

    @dataclass
    class Checked(Message):
        """The channel check's verdict: (ok, line) per channel, problems first; or why the
        check could not run."""

        lines: list[tuple[bool, str]]
        error: str = ""

    @dataclass
    class CarriersRead(Message):
        """Carrier API health as ``shopdesk carriers status`` reads it, or why it could not."""

        rows: list[CarrierStatus]
        error: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.checked: list[tuple[bool, str]] | None = None

    @property
    def settings(self) -> Settings:
        return self.app.settings  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield StatusLine("Settings", id="status")
        yield CarrierTable(cursor_type="none", id="carriers")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="settings")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#settings", DataTable)
        table.add_column("Setting", key="key", width=30)
        table.add_column("Value", key="value")
        table.focus()
        self.show()
        self.action_check()
        self.read_carriers()

    def show(self) -> None:
        """Fill the table: files, the channel check, then every setting."""
        from shopdesk.config_view import effective_config, file_locations

        table = self.query_one("#settings", DataTable)
        row = table.cursor_row
        table.clear()
        heading = "bold underline"
        table.add_row(Text("Files", style=heading), "")
        for entry in file_locations(self.settings):
            table.add_row(entry.key, entry.value)
        table.add_row(Text("Channel check", style=heading), "")
        if self.checked is None:
            table.add_row("", Text("checking the channels…", style="italic"))
        for ok, line in self.checked or ():
            table.add_row(
                Text("ok" if ok else "problem", style="green" if ok else "bold red"), line
            )
        table.add_row(Text("Configuration (secrets masked)", style=heading), "")
        for entry in effective_config(self.settings):
            table.add_row(entry.key, entry.value)
        table.move_cursor(row=min(row, table.row_count - 1), scroll=False)
        where = self.settings.config_path or "built-in defaults"
        self.query_one("#status", StatusLine).update(
            f"Settings — {where} · edit the file, then restart"
        )

    def action_reload(self) -> None:
        self.show()
        self.read_carriers()

    @guarded_work("Reading carrier health", group="settings-carriers")
    async def read_carriers(self) -> None:
        """The same service as ``shopdesk carriers status``, on the event loop (the ORM)."""
        from tortoise.exceptions import BaseORMException

        from shopdesk.carriers.status import carrier_status

        now = getattr(self.app, "now", None)
        try:
            rows = await carrier_status(self.settings, now=now() if callable(now) else None)
        except (BaseORMException, RuntimeError) as exc:  # Tortoise not (or no longer) set up
            self.post_message(self.CarriersRead([], f"cannot read the database: {exc}"[:200]))
            return
        except Exception as exc:  # a bug: the table says so, guarded_work logs and tells
            self.post_message(self.CarriersRead([], f"could not read: {_reason(exc)}"[:200]))
            raise
        self.post_message(self.CarriersRead(rows))

    def on_settings_screen_carriers_read(self, message: CarriersRead) -> None:
        zone = ZoneInfo(self.settings.timezone)
        self.query_one(CarrierTable).show(message.rows, zone, message.error)

    def action_check(self) -> None:
        self.checked = None
        self.show()
        self.check(self.settings)

    @guarded_work("Checking the channels", group="settings-check")
    async def check(self, settings: Settings) -> None:
        """Apprise parses the URLs: in a thread, with plain values only (no ORM)."""
        from shopdesk.notify.check import check_channels, check_report

        try:
            lines = await asyncio.to_thread(
                lambda: check_report(settings, check_channels(settings))
            )
        except Exception as exc:  # a bug: the table says so, guarded_work logs and tells
            self.post_message(self.Checked([], f"could not check: {_reason(exc)}"))
            raise
        self.post_message(self.Checked(lines))

    def on_settings_screen_checked(self, message: Checked) -> None:
        self.checked = [(False, message.error)] if message.error else message.lines
        self.show()
        if message.error:
            return  # already told, with where to look
        problems = sum(not ok for ok, _ in message.lines)
        if problems:
            self.notify(
                f"{problems} problem(s) with the notification channels; see Channel "
                "check and fix the config.",
                severity="warning",
            )

    def on_data_changed(self, message: DataChanged) -> None:
        """Nothing here comes from the shop's data: the change feed changes nothing."""
