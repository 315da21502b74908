"""What services return: plain frozen dataclasses, safe to hand to any UI or thread."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

STAGES = (
    "confirmed",
    "preparing",
    "partly_shipped",
    "shipped",
    "out_for_delivery",
    "partly_delivered",
    "delivered",
    "cancelled",
)


@dataclass(frozen=True, slots=True)
class ItemView:
    sku: str
    title: str
    quantity: int
    unit_price_minor: int


@dataclass(frozen=True, slots=True)
class EventView:
    occurred_at: datetime
    milestone: str
    reason: str | None
    description: str
    location: str
    source: str


@dataclass(frozen=True, slots=True)
class ShipmentView:
    id: int
    watch: str | None  # "stalled" or "late" while the watch sees a problem
    carrier: str
    tracking_number: str
    service: str
    shipped_at: datetime | None
    milestone: str
    reason: str | None
    status_text: str
    last_event_at: datetime | None
    delivered_at: datetime | None
    estimate: tuple[date, date] | None
    estimate_source: str | None  # "carrier" or "shop"
    events: tuple[EventView, ...]  # newest first


@dataclass(frozen=True, slots=True)
class NoteView:
    body: str
    author: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OrderView:
    """One order with everything the owner may see; customer pages pick what is safe."""

    number: str
    token: str
    tracking_url: str
    stage: str
    attention: str | None
    placed_at: datetime
    currency: str
    total_minor: int
    customer_name: str
    email: str | None
    phone: str
    ship_country: str
    ship_postcode: str
    ship_city: str
    locale: str | None
    source: str
    cancelled_at: datetime | None
    updated_at: datetime
    items: tuple[ItemView, ...]
    shipments: tuple[ShipmentView, ...]
    notes: tuple[NoteView, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times as ISO 8601 strings)."""
        return jsonable(asdict(self))


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One line of the order list."""

    id: int
    number: str
    placed_at: datetime
    stage: str
    attention: str | None
    customer_name: str
    email: str | None
    ship_country: str
    total_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class OrderPage:
    rows: tuple[OrderRow, ...]
    next_cursor: str | None  # pass back as ``after`` for the next page


@dataclass(frozen=True, slots=True)
class ChangeView:
    """One row of the change feed: order ``order_id`` changed (``kind``) at ``at``."""

    id: int
    order_id: int | None
    kind: str
    at: datetime


def jsonable(value: Any) -> Any:
    """Dataclass dicts made JSON-ready: tuples as lists, times and dates as ISO 8601."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
