"""Pieces every write service shares: order numbers, the change feed and the order's stage."""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Protocol

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
    await Change.bulk_create([Change(order_id=order_id, kind=kind) for order_id in ids])
    await Order.filter(id__in=ids).update(updated_at=utcnow())
    for follower in list(_followers):
        follower.changed(ids)


async def refresh_orders(order_ids: Collection[int], kind: str) -> None:
    """Recompute the orders' stage and attention flag from their shipments and record the
    change; call inside the write's transaction."""
    if not order_ids:
        return
    shipments: dict[int, list[tuple[str, str | None, str | None, bool]]] = defaultdict(list)
    for order_id, milestone, reason, watch, shipped_at in await Shipment.filter(
        order_id__in=list(order_ids)
    ).values_list("order_id", "milestone", "reason", "watch", "shipped_at"):
        shipments[order_id].append((milestone, reason, watch, shipped_at is not None))
    updates: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for order_id, cancelled_at, dispatch_delayed_at, stage, attention in await Order.filter(
        id__in=list(order_ids)
    ).values_list("id", "cancelled_at", "dispatch_delayed_at", "stage", "attention"):
        parcels = shipments[order_id]
        cancelled = cancelled_at is not None
        new_stage = order_stage([(m, handed) for m, _, _, handed in parcels], cancelled=cancelled)
        new_attention = None if cancelled else attention_reason(
            [(m, r, w) for m, r, w, _ in parcels],
            dispatch_delayed=dispatch_delayed_at is not None and not parcels)
        if (new_stage, new_attention) != (stage, attention):
            updates[(new_stage, new_attention)].append(order_id)
    for (stage, attention), ids in updates.items():
        await Order.filter(id__in=ids).update(stage=stage, attention=attention)
    await record_changes(order_ids, kind)  # also moves updated_at


def search_text(*parts: str | None) -> str:
    """The text the order list searches: lower-cased, space separated."""
    return " ".join(p.casefold() for p in parts if p)
