"""The Settings screen's carrier health table: one row per carrier API, from the same service
as ``shopdesk carriers status`` (:func:`shopdesk.carriers.status.carrier_status`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.widgets import DataTable

if TYPE_CHECKING:
    from shopdesk.carriers.status import CarrierStatus


COLUMNS = (
    ("Carrier", "carrier", 7),
    ("State", "state", 10),
    ("Budget left", "budget", 11),
    ("Last success", "success", 12),
    ("Next poll", "next", 12),
    ("Last error", "error", None),
)
NONE_CONFIGURED = "none set up: add [carriers.<name>] (dhl, usps, ups, fedex) to the config"


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d %b %H:%M") if moment else "-"


def _window(seconds: int) -> str:
    if seconds == 3600:
        return "h"
    if seconds == 86400:
        return "day"
    return f"{seconds // 60} min"


def state(row: CarrierStatus) -> Text:
    """ready, paused (after a 429 or a server error; "Next poll" says until when) or not set
    up, coloured for a glance."""
    if row.paused_until:
        return Text("paused", style="bold yellow")
    if row.configured:
        return Text("ready", style="green")
    return Text("not set up", style="dim")


class CarrierTable(DataTable):
    """Carrier API health, read-only."""

    DEFAULT_CSS = """
    CarrierTable { height: auto; max-height: 7; }
    """

    def on_mount(self) -> None:
        for label, key, width in COLUMNS:
            self.add_column(label, key=key, width=width)
        self.add_row("", "", "", "", "", Text("reading carrier health…", style="italic"))

    def show(self, rows: Sequence[CarrierStatus], zone: ZoneInfo, error: str = "") -> None:
        """Fill the table with ``rows``; ``error`` when the health could not be read."""
        self.clear()
        if error:
            self.add_row("", Text("unavailable", style="bold red"), "", "", "", error)
            return
        if not rows:
            self.add_row("", Text("none", style="dim"), "", "", "", NONE_CONFIGURED)
            return
        for row in rows:
            budget = f"{row.budget_left}/{row.budget} {_window(row.window_seconds)}"
            self.add_row(
                row.name,
                state(row),
                Text(budget, style="bold red" if row.budget_left == 0 else ""),
                _when(row.last_success_at, zone),
                _when(row.next_poll_at, zone),
                Text(row.last_error, style="red") if row.last_error else "-",
                key=row.name,
            )
