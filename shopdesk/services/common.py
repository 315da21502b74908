"""Pieces every write service shares: order numbers, the change feed and the order's stage."""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Protocol

from shopdesk.errors import InvalidInput, NotFound
from shopdesk.models import Order
from shopdesk.services import rawsql
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
        InvalidInput: ``moment`` has no time zone, or is out of range in UTC
            (0001-01-01T00:00+01:00 would fall in year 0).
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{field} has no time zone")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(f"{field} is out of range") from None


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


class ChangeFollower(Protocol):
    def changed(self, order_ids: Collection[int]) -> None: ...


_followers: weakref.WeakSet[ChangeFollower] = weakref.WeakSet()


def follow_changes(follower: ChangeFollower) -> None:
    """Tell ``follower.changed(order_ids)`` at once whenever this process records a change
    (for caches of derived views; held weakly). Other processes' writes reach a follower only
    through the change feed (:func:`shopdesk.services.queries.changes_since`)."""
    _followers.add(follower)


async def record_changes(order_ids: Iterable[int], kind: str) -> None:
    """Append to the change feed, one row per order, and mark the orders as changed (pages
    and caches key on ``updated_at``); call inside the write's transaction."""
    ids = list(order_ids)
    now = utcnow()
    for chunk in rawsql.chunks(ids, width=3):
        p = rawsql.Params()
        rows = p.rows((order_id, kind, now) for order_id in chunk)
        await rawsql.execute(f'INSERT INTO "change" (order_id, kind, at) VALUES {rows}', p)
    for chunk in rawsql.chunks(ids):
        p = rawsql.Params()
        await rawsql.execute(
            f"UPDATE orders SET updated_at = {p(now)} WHERE id IN ({p.list(chunk)})", p
        )
    for follower in list(_followers):
        follower.changed(ids)


async def refresh_orders(order_ids: Collection[int], kind: str) -> None:
    """Recompute the orders' stage and attention flag from their shipments and record the
    change; call inside the write's transaction."""
    if not order_ids:
        return
    orders: dict[int, tuple[bool, bool, str, str | None]] = {}
    shipments: dict[int, list[tuple[str, str | None, str | None, bool]]] = defaultdict(list)
    for chunk in rawsql.chunks(sorted(order_ids)):
        p = rawsql.Params()
        for row in await rawsql.fetch(
            "SELECT o.id AS order_id, o.cancelled_at IS NOT NULL AS cancelled, "
            "o.dispatch_delayed_at IS NOT NULL AS delayed, o.stage AS stage, "
            "o.attention AS attention, s.id AS shipment_id, s.milestone AS milestone, "
            "s.reason AS reason, s.watch AS watch, s.shipped_at IS NOT NULL AS handed "
            "FROM orders o LEFT JOIN shipment s ON s.order_id = o.id "
            f"WHERE o.id IN ({p.list(chunk)})",
            p,
        ):
            order_id, cancelled, delayed, stage, attention, shipment_id, *parcel = row
            orders[order_id] = (bool(cancelled), bool(delayed), stage, attention)
            if shipment_id is not None:
                milestone, reason, watch, handed = parcel
                shipments[order_id].append((milestone, reason, watch, bool(handed)))
    updates: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for order_id, (cancelled, delayed, stage, attention) in orders.items():
        parcels = shipments[order_id]
        new_stage = order_stage([(m, handed) for m, _, _, handed in parcels], cancelled=cancelled)
        new_attention = (
            None
            if cancelled
            else attention_reason(
                [(m, r, w) for m, r, w, _ in parcels], dispatch_delayed=delayed and not parcels
            )
        )
        if (new_stage, new_attention) != (stage, attention):
            updates[(new_stage, new_attention)].append(order_id)
    for (stage, attention), ids in updates.items():
        await Order.filter(id__in=ids).update(stage=stage, attention=attention)
    await record_changes(order_ids, kind)  # also moves updated_at


def search_text(*parts: str | None) -> str:
    """The text the order list searches: lower-cased, space separated."""
    return " ".join(p.casefold() for p in parts if p)
