"""How the TUI shows money, times and stages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text

STAGE_LABELS = {
    "confirmed": "Confirmed",
    "preparing": "Preparing",
    "partly_shipped": "Partly shipped",
    "shipped": "Shipped",
    "out_for_delivery": "Out for delivery",
    "partly_delivered": "Partly delivered",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}
STAGE_STYLES = {
    "out_for_delivery": "bold",
    "delivered": "green",
    "partly_delivered": "green",
    "cancelled": "dim",
}


def money(minor: int, currency: str) -> str:
    """``12.50 EUR`` from 1250 minor units (two decimals; good enough for display)."""
    return f"{minor / 100:,.2f} {currency}"


def when(moment: datetime | None, zone: ZoneInfo, *, seconds: bool = False) -> str:
    """A time in the shop's zone, or an empty string."""
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def stage(name: str) -> Text:
    return Text(STAGE_LABELS.get(name, name), style=STAGE_STYLES.get(name, ""))


def milestone(name: str, reason: str | None = None) -> str:
    label = name.replace("_", " ")
    return f"{label} ({reason})" if reason else label
