"""Request and response bodies of the JSON API (``/api/v1``), as msgspec Structs.

Requests refuse unknown fields (a typo such as ``"canceled"`` must not pass silently) and cap
every string and list; the services check the rest (currency, email, milestones, …).
"""

from datetime import date, datetime
from typing import Annotated

from msgspec import Meta, Struct

from shopdesk.views import OrderView

# What the services accept, stated in the schema for clients and fuzzers (but checked by the
# services, whose refusals say what is wrong in words): no control characters in an order
# number, 4-40 letters and digits in a tracking number (spaces and dashes are dropped), a
# three-letter currency code.


def _documented(description: str, pattern: str) -> Meta:
    return Meta(extra_json_schema={"description": description, "extra": {"pattern": pattern}})


Number = Annotated[
    str, Meta(min_length=1, max_length=64), _documented("order number", r"^[^\x00-\x1f\x7f-\x9f]+$")
]
Tracking = Annotated[
    str,
    Meta(min_length=1, max_length=64),
    _documented("tracking number: 4-40 letters and digits", r"^[A-Za-z0-9][A-Za-z0-9 -]{3,}$"),
]
Zoned = Annotated[datetime, Meta(tz=True, description="ISO 8601 with a time zone")]


class Strict(Struct, forbid_unknown_fields=True, kw_only=True):
    pass


# --- requests ---------------------------------------------------------------------------


class ItemIn(Strict):
    title: Annotated[str, Meta(min_length=1, max_length=500)]
    quantity: Annotated[int, Meta(ge=1, le=100_000)]
    unit_price_minor: Annotated[int, Meta(ge=0, le=10**12)]
    sku: Annotated[str, Meta(max_length=100)] = ""


class OrderIn(Strict):
    number: Number
    placed_at: Zoned
    currency: Annotated[
        str,
        Meta(min_length=3, max_length=3),
        _documented("ISO 4217 code, such as EUR", "^[A-Za-z]{3}$"),
    ]
    items: Annotated[list[ItemIn], Meta(max_length=500)] = []
    email: Annotated[str, Meta(max_length=254)] | None = None
    phone: Annotated[str, Meta(max_length=32)] = ""
    name: Annotated[str, Meta(max_length=200)] = ""
    country: Annotated[str, Meta(max_length=2)] = ""
    postcode: Annotated[str, Meta(max_length=16)] = ""
    city: Annotated[str, Meta(max_length=100)] = ""
    locale: Annotated[str, Meta(max_length=8)] | None = None
    external_id: Annotated[str, Meta(max_length=64)] | None = None


class OrderPatch(Strict):
    """Cancel (``cancelled: true`` with an optional ``reason``) and/or add a ``note``."""

    cancelled: bool | None = None
    reason: Annotated[str, Meta(max_length=200)] = ""
    note: Annotated[str, Meta(min_length=1, max_length=10_000)] | None = None


class ShipmentIn(Strict):
    tracking_number: Tracking
    carrier: Annotated[str, Meta(max_length=64)] | None = None
    service: Annotated[str, Meta(max_length=100)] = ""
    shipped_at: Zoned | None = None


class _EventFields(Strict):
    milestone: Annotated[str, Meta(max_length=32)] | None = None
    reason: Annotated[str, Meta(max_length=32)] | None = None
    code: Annotated[str, Meta(max_length=64)] = ""
    description: Annotated[str, Meta(max_length=2000)] = ""
    location: Annotated[str, Meta(max_length=200)] = ""
    carrier: Annotated[str, Meta(max_length=64)] | None = None
    order_number: Number | None = None
    event_id: Annotated[str, Meta(max_length=200)] | None = None


class EventIn(_EventFields, kw_only=True):
    tracking_number: Tracking
    occurred_at: Zoned


class EventsIn(_EventFields, kw_only=True):
    """One event (its fields at the top level) or a batch: ``{"events": [...]}``."""

    tracking_number: Tracking | None = None
    occurred_at: Zoned | None = None
    events: Annotated[list[EventIn], Meta(min_length=1, max_length=1000)] | None = None


# --- responses --------------------------------------------------------------------------


class ErrorOut(Struct):
    error: str


class ItemOut(Struct):
    sku: str
    title: str
    quantity: int
    unit_price_minor: int


class EventOut(Struct):
    occurred_at: datetime
    milestone: str
    reason: str | None
    description: str
    location: str
    source: str


class EstimateOut(Struct):
    earliest: date
    latest: date
    source: str | None


class ShipmentOut(Struct):
    carrier: str
    tracking_number: str
    service: str
    shipped_at: datetime | None
    milestone: str
    reason: str | None
    status_text: str
    delivered_at: datetime | None
    estimate: EstimateOut | None
    events: list[EventOut]  # newest first


class NoteOut(Struct):
    body: str
    author: str
    created_at: datetime


class OrderStatus(Struct):
    number: str
    stage: str
    attention: str | None
    placed_at: datetime
    tracking_url: str
    currency: str
    total_minor: int
    cancelled_at: datetime | None
    items: list[ItemOut]
    shipments: list[ShipmentOut]
    notes: list[NoteOut]


class EventsResult(Struct):
    recorded: int
    duplicates: int
    unknown: list[str]  # tracking numbers no shipment has


def order_status(view: OrderView) -> OrderStatus:
    return OrderStatus(
        number=view.number,
        stage=view.stage,
        attention=view.attention,
        placed_at=view.placed_at,
        tracking_url=view.tracking_url,
        currency=view.currency,
        total_minor=view.total_minor,
        cancelled_at=view.cancelled_at,
        items=[ItemOut(i.sku, i.title, i.quantity, i.unit_price_minor) for i in view.items],
        shipments=[
            ShipmentOut(
                carrier=s.carrier,
                tracking_number=s.tracking_number,
                service=s.service,
                shipped_at=s.shipped_at,
                milestone=s.milestone,
                reason=s.reason,
                status_text=s.status_text,
                delivered_at=s.delivered_at,
                estimate=EstimateOut(s.estimate[0], s.estimate[1], s.estimate_source)
                if s.estimate
                else None,
                events=[
                    EventOut(
                        e.occurred_at, e.milestone, e.reason, e.description, e.location, e.source
                    )
                    for e in s.events
                ],
            )
            for s in view.shipments
        ],
        notes=[NoteOut(n.body, n.author, n.created_at) for n in view.notes],
    )
