"""The generic webhook (``/hooks/generic``): one documented JSON format for any other system.

    {"id": "delivery-0001",
     "orders": [{"number": "1001", "placed_at": "2026-11-20T10:00:00+01:00",
                 "currency": "EUR", "email": "ada@example.com", "name": "Ada Lovelace",
                 "country": "DE", "postcode": "10115", "city": "Berlin",
                 "items": [{"title": "Mug", "quantity": 2, "unit_price_minor": 1800}]}],
     "shipments": [{"order_number": "1001", "tracking_number": "00340434161094042557",
                    "carrier": "DHL Paket", "shipped_at": "2026-11-21T09:00:00Z"}],
     "events": [{"tracking_number": "00340434161094042557",
                 "occurred_at": "2026-11-22T08:10:00Z", "milestone": "out_for_delivery",
                 "description": "Out for delivery", "location": "Berlin"}]}

``id`` is required and unique per delivery (a repeat is ignored); every list is optional.
Orders take ``cancelled: true`` (and ``cancel_reason``) to cancel; events take ``milestone``
(and ``reason``) or a carrier's ``code``/``description`` for shopdesk to read, plus
optional ``carrier``, ``order_number`` and ``event_id``. Times are ISO 8601 with a zone.
Unknown fields are refused. Signed like the outgoing ``shopdeskhook://`` plugin:
``X-Shopdesk-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta, Struct

from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.services.shipments import NewEvent
from shopdesk.webhooks.work import Malformed, NewParcel, Work

Short = Annotated[str, Meta(max_length=200)]
Number = Annotated[str, Meta(min_length=1, max_length=64)]
Zoned = Annotated[datetime, Meta(tz=True)]


class _Strict(Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class GenericItem(_Strict):
    title: Annotated[str, Meta(min_length=1, max_length=500)]
    quantity: Annotated[int, Meta(ge=1, le=100_000)]
    unit_price_minor: Annotated[int, Meta(ge=0, le=10**12)]
    sku: Annotated[str, Meta(max_length=100)] = ""


class GenericOrder(_Strict):
    number: Number
    placed_at: Zoned
    currency: Annotated[str, Meta(min_length=3, max_length=3)]
    items: Annotated[list[GenericItem], Meta(max_length=500)] = []
    email: Annotated[str, Meta(max_length=254)] | None = None
    phone: Annotated[str, Meta(max_length=32)] = ""
    name: Short = ""
    country: Annotated[str, Meta(max_length=2)] = ""
    postcode: Annotated[str, Meta(max_length=16)] = ""
    city: Annotated[str, Meta(max_length=100)] = ""
    locale: Annotated[str, Meta(max_length=8)] | None = None
    external_id: Annotated[str, Meta(max_length=64)] | None = None
    cancelled: bool = False
    cancel_reason: Short = ""


class GenericShipment(_Strict):
    order_number: Number
    tracking_number: Number
    carrier: Annotated[str, Meta(max_length=64)] | None = None
    service: Annotated[str, Meta(max_length=100)] = ""
    shipped_at: Zoned | None = None


class GenericEvent(_Strict):
    tracking_number: Number
    occurred_at: Zoned
    milestone: Annotated[str, Meta(max_length=32)] | None = None
    reason: Annotated[str, Meta(max_length=32)] | None = None
    code: Annotated[str, Meta(max_length=64)] = ""
    description: Annotated[str, Meta(max_length=2000)] = ""
    location: Short = ""
    carrier: Annotated[str, Meta(max_length=64)] | None = None
    order_number: Number | None = None
    event_id: Short | None = None


class GenericDelivery(_Strict):
    id: Annotated[str, Meta(min_length=1, max_length=200)]
    orders: Annotated[list[GenericOrder], Meta(max_length=1000)] = []
    shipments: Annotated[list[GenericShipment], Meta(max_length=1000)] = []
    events: Annotated[list[GenericEvent], Meta(max_length=5000)] = []


def decode(body: str | bytes) -> GenericDelivery:
    """The delivery, checked against the format.

    Raises:
        Malformed: not JSON or not the format; the message names the field.
    """
    try:
        return msgspec.json.decode(body, type=GenericDelivery)
    except msgspec.ValidationError as exc:
        raise Malformed(f"not the generic format: {exc}") from None
    except msgspec.DecodeError as exc:
        raise Malformed(f"the body is not valid JSON: {exc}") from None


def generic(topic: str, body: str) -> Work:
    """A generic delivery → :class:`Work`.

    Raises:
        Malformed: see :func:`decode`.
    """
    delivery = decode(body)
    work = Work()
    for o in delivery.orders:
        work.orders.append(
            NewOrder(
                number=o.number,
                placed_at=o.placed_at,
                currency=o.currency,
                items=[NewItem(i.title, i.quantity, i.unit_price_minor, i.sku) for i in o.items],
                email=o.email,
                name=o.name,
                phone=o.phone,
                country=o.country,
                postcode=o.postcode,
                city=o.city,
                locale=o.locale,
                source="generic",
                external_id=o.external_id,
            )
        )
        if o.cancelled:
            work.cancels.append((o.number, o.cancel_reason))
    work.parcels = [
        NewParcel(
            order_number=s.order_number,
            tracking_number=s.tracking_number,
            carrier=s.carrier,
            service=s.service,
            shipped_at=s.shipped_at,
        )
        for s in delivery.shipments
    ]
    work.events = [
        NewEvent(
            tracking_number=e.tracking_number,
            occurred_at=e.occurred_at,
            milestone=e.milestone or None,
            reason=e.reason or None,
            code=e.code,
            description=e.description,
            location=e.location,
            source="generic",
            carrier=e.carrier or None,
            order_number=e.order_number,
            event_id=e.event_id,
        )
        for e in delivery.events
    ]
    if not (work.orders or work.parcels or work.events):
        work.ignored = "the delivery has no orders, shipments or events"
    return work
