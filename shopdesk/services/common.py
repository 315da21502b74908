"""Pieces every write service shares: order numbers, the change feed and the order's stage."""

from __future__ import annotations

from datetime import UTC, datetime

from shopdesk.errors import InvalidInput, NotFound
from shopdesk.models import Change, Order, Shipment
from shopdesk.tracking.state import attention_reason, order_stage

MAX_NUMBER = 64


def normalise_number(number: str) -> str:
    """An order number as stored: trimmed, without the leading ``#`` shops like to show.

    Raises:
        InvalidInput: empty, too long or containing control characters.
    """
    cleaned = str(number).strip().removeprefix("#").strip()
    if not cleaned:
        raise InvalidInput("the order number is empty")
    if len(cleaned) > MAX_NUMBER:
        raise InvalidInput(f"the order number is longer than {MAX_NUMBER} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in cleaned):
        raise InvalidInput("the order number contains control characters")
    return cleaned


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_aware(moment: datetime, field: str) -> datetime:
    """A timezone-aware datetime in UTC.

    Raises:
        InvalidInput: ``moment`` has no time zone.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{field} has no time zone")
    return moment.astimezone(UTC)


async def get_order(number: str) -> Order:
    """The order with this number (with or without ``#``).

    Raises:
        NotFound: no such order.
    """
    cleaned = normalise_number(number)
    order = await Order.get_or_none(number=cleaned)
    if order is None:
        raise NotFound(f"no order {cleaned}")
    return order


async def record_change(order_id: int | None, kind: str) -> None:
    """Append to the change feed; call inside the write's transaction."""
    await Change.create(order_id=order_id, kind=kind)


async def refresh_order(order: Order) -> None:
    """Recompute the order's stage and attention flag from its shipments; call in the write's
    transaction."""
    shipments = await Shipment.filter(order_id=order.id).values_list(
        "milestone", "reason", "shipped_at"
    )
    order.stage = order_stage(
        [(m, shipped is not None) for m, _, shipped in shipments],
        cancelled=order.cancelled_at is not None,
    )
    order.attention = None if order.cancelled_at else attention_reason(
        (m, r) for m, r, _ in shipments
    )
    await order.save(update_fields=["stage", "attention", "updated_at"])


def search_text(*parts: str | None) -> str:
    """The text the order list searches: lower-cased, space separated."""
    return " ".join(p.casefold() for p in parts if p)
