"""Shipment services: add or edit a shipment, record tracking events (one or a batch).

Recording runs the milestone engine: new events are stored (duplicates ignored), the
shipment's state is folded from all its events in the order they happened, the order's stage
follows, and the change feed gets one row per order — all in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from tortoise.transactions import in_transaction

from shopdesk.db import current_settings
from shopdesk.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from shopdesk.models import Shipment
from shopdesk.notify.outbox import Plan, plan
from shopdesk.services import rawsql
from shopdesk.services.common import (
    ensure_aware,
    get_order,
    refresh_orders,
    utcnow,
)
from shopdesk.tracking.carriers import clean_tracking_number, detect
from shopdesk.tracking.normalize import MILESTONES, REASONS, normalise
from shopdesk.tracking.state import Scan, current_scan

_TEXT_LIMIT = 500


@dataclass(frozen=True, slots=True)
class NewEvent:
    """A tracking event from any source. Without ``milestone`` the engine reads ``code`` and
    ``description``."""

    tracking_number: str
    occurred_at: datetime
    milestone: str | None = None
    reason: str | None = None
    code: str = ""
    description: str = ""
    location: str = ""
    source: str = "manual"
    carrier: str | None = None  # whose vocabulary code/description use; default: the shipment's
    order_number: str | None = None  # picks the shipment when a number is on several orders
    event_id: str | None = None  # the source's own id, if it has one: the dedupe key
    estimate: tuple[date | None, date | None] | None = None  # the carrier's new estimate


@dataclass(slots=True)
class RecordResult:
    recorded: int = 0
    duplicates: int = 0
    unknown: list[str] = field(default_factory=list)  # tracking numbers with no shipment


async def add_shipment(
    number: str,
    tracking_number: str,
    *,
    carrier: str | None = None,
    service: str = "",
    shipped_at: datetime | None = None,
    estimate: tuple[date | None, date | None] = (None, None),
) -> int:
    """Add a parcel to an order; returns the shipment id.

    Args:
        number: the order number.
        tracking_number: the carrier's tracking number.
        carrier: the carrier; detected from the tracking number when not given.
        service: the carrier's service level, if known.
        shipped_at: when it was handed to the carrier; default now.
        estimate: the carrier's delivery window, if it gave one.

    Raises:
        NotFound: no such order.
        InvalidInput: malformed tracking number, a wrong check digit (only when the carrier
            is not named), unknown carrier.
        Conflict: the order is cancelled.
        AlreadyExists: the order already has this tracking number.
    """
    tracking = clean_tracking_number(tracking_number)
    carrier = (carrier or "").strip()
    if not carrier:  # a named carrier always wins: the owner knows better than the number
        found = detect(tracking)
        if found.status == "invalid":
            raise InvalidInput(
                f"{found.reason}: check it for a typo, or name the carrier "
                "with --carrier if it is right"
            )
        if found.carrier is None:
            raise InvalidInput(f"cannot tell the carrier from {tracking}; name it with --carrier")
        carrier = found.carrier
    shipped_at = ensure_aware(shipped_at, "shipped_at") if shipped_at else utcnow()
    async with in_transaction():
        order = await get_order(number)
        if order.cancelled_at:
            raise Conflict(f"order {order.number} is cancelled")
        if await Shipment.exists(order_id=order.id, tracking_number=tracking):
            raise AlreadyExists(f"order {order.number} already has shipment {tracking}")
        shipment = await Shipment.create(
            order=order,
            carrier=carrier[:64],
            tracking_number=tracking,
            service=service.strip()[:100],
            shipped_at=shipped_at,
            carrier_estimate_from=estimate[0],
            carrier_estimate_to=estimate[1],
            next_poll_at=min(shipped_at, utcnow()),  # the carrier poller: due now
        )
        order.search_text = f"{order.search_text} {tracking.casefold()}"
        await order.save(update_fields=["search_text"])
        await refresh_orders([order.id], "shipment")
        await plan(
            current_settings(), [Plan(order.id, "shipped", shipment.id, happened_at=shipped_at)]
        )
    return shipment.id


async def edit_shipment(
    shipment_id: int,
    *,
    carrier: str | None = None,
    service: str | None = None,
    shipped_at: datetime | None = None,
    estimate: tuple[date | None, date | None] | None = None,
) -> None:
    """Correct a shipment's carrier, service, ship time or carrier estimate.

    Raises:
        NotFound: no such shipment.
    """
    async with in_transaction():
        shipment = await Shipment.get_or_none(id=shipment_id)
        if shipment is None:
            raise NotFound(f"no shipment {shipment_id}")
        if carrier is not None and carrier.strip():
            shipment.carrier = carrier.strip()[:64]
        if service is not None:
            shipment.service = service.strip()[:100]
        if shipped_at is not None:
            shipment.shipped_at = ensure_aware(shipped_at, "shipped_at")
        if estimate is not None:
            shipment.carrier_estimate_from, shipment.carrier_estimate_to = estimate
        await shipment.save()
        await refresh_orders([shipment.order_id], "shipment")  # type: ignore[attr-defined]


async def record_event(event: NewEvent) -> bool:
    """Record one tracking event; returns False if it was a duplicate.

    Raises:
        NotFound: no shipment has this tracking number.
        InvalidInput: the event is malformed.
    """
    result = await record_events([event])
    if result.unknown:
        raise NotFound(f"no shipment with tracking number {event.tracking_number}")
    return result.recorded == 1


async def record_events(events: Sequence[NewEvent]) -> RecordResult:
    """Record a batch of tracking events in one transaction.

    Events for unknown tracking numbers are reported in ``unknown``; duplicates (same source id,
    or same time, milestone and text) are counted and ignored.

    Raises:
        InvalidInput: an event is malformed; nothing is written.
    """
    result = RecordResult()
    prepared = [_prepare(e) for e in events]
    if not prepared:
        return result
    async with in_transaction():
        shipments = await _shipments_for(prepared)
        history = await _history({s.id for s in shipments.values()})
        known = {(shipment_id, e.key) for shipment_id, h in history.items() for e in h}
        fresh: list[tuple[Any, ...]] = []
        estimates: dict[int, tuple[date | None, date | None]] = {}
        for event, key, milestone_reason in prepared:
            shipment = shipments.get((event.order_number, event.tracking_number)) or shipments.get(
                (None, event.tracking_number)
            )
            if shipment is None:
                result.unknown.append(event.tracking_number)
                continue
            if (shipment.id, key) in known:
                result.duplicates += 1
                continue
            known.add((shipment.id, key))
            milestone, reason = milestone_reason or _classify(event, shipment.carrier)
            fresh.append(
                (
                    shipment.id,
                    event.occurred_at,
                    milestone,
                    reason,
                    event.code,
                    event.description,
                    event.location,
                    event.source,
                    key,
                )
            )
            if event.estimate:
                estimates[shipment.id] = event.estimate
        stored = await _insert_events(fresh)
        result.duplicates += len(fresh) - len(stored)  # stored meanwhile by another process
        result.recorded = len(stored)
        if stored:
            for shipment_id, event in stored:
                history[shipment_id].append(event)
            by_id = {s.id: s for s in shipments.values()}
            touched = sorted({shipment_id for shipment_id, _ in stored})
            await _refold(
                [by_id[i] for i in touched],
                history,
                {i: e for i, e in estimates.items() if i in touched},
            )
    return result


def _prepare(event: NewEvent) -> tuple[NewEvent, str, tuple[str, str | None] | None]:
    """Check an event; returns it cleaned, its dedupe key and its given milestone, if any."""
    occurred_at = ensure_aware(event.occurred_at, "occurred_at")
    if occurred_at > utcnow().replace(year=utcnow().year + 1):
        raise InvalidInput(f"event time {occurred_at:%Y-%m-%d} is more than a year ahead")
    given = None
    if event.milestone:
        if event.milestone not in MILESTONES:
            raise InvalidInput(
                f"unknown milestone {event.milestone!r}; one of: {', '.join(MILESTONES)}"
            )
        if event.reason and event.reason not in REASONS:
            raise InvalidInput(f"unknown reason {event.reason!r}; one of: {', '.join(REASONS)}")
        given = (event.milestone, event.reason)
    cleaned = replace(
        event,
        tracking_number=clean_tracking_number(event.tracking_number),
        order_number=event.order_number.strip().removeprefix("#") if event.order_number else None,
        occurred_at=occurred_at,
        code=event.code.strip()[:64],
        description=" ".join(event.description.split())[:_TEXT_LIMIT],
        location=" ".join(event.location.split())[:200],
        source=event.source[:32],
    )
    if event.event_id:
        basis = f"{cleaned.source}|{event.event_id}"
    else:
        basis = "|".join(
            (
                occurred_at.isoformat(),
                event.milestone or "",
                cleaned.code,
                cleaned.description.casefold(),
                cleaned.location.casefold(),
            )
        )
    return cleaned, hashlib.sha256(basis.encode()).hexdigest()[:40], given


def _classify(event: NewEvent, shipment_carrier: str) -> tuple[str, str | None]:
    found = normalise(event.carrier or shipment_carrier, event.code or None, event.description)
    return found.milestone, found.reason


@dataclass(slots=True)
class _Parcel:
    """The part of a shipment recording reads and rewrites."""

    id: int
    order_id: int
    carrier: str
    milestone: str
    shipped_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Event:
    """A stored event, as the milestone engine and the dedupe check need it."""

    id: int
    occurred_at: datetime
    milestone: str
    reason: str | None
    description: str
    key: str


async def _shipments_for(
    prepared: Sequence[tuple[NewEvent, str, object]],
) -> dict[tuple[str | None, str], _Parcel]:
    """Shipments keyed by (order number, tracking number) and (None, tracking number) — the
    latter the newest shipment with that number."""
    numbers = sorted({e.tracking_number for e, _, _ in prepared})
    found: dict[tuple[str | None, str], _Parcel] = {}
    rows = []
    for chunk in rawsql.chunks(numbers):
        p = rawsql.Params()
        rows += await rawsql.fetch(
            "SELECT s.id AS shipment_id, s.order_id AS order_id, o.number AS order_number, "
            "s.tracking_number AS tracking_number, s.carrier AS carrier, "
            "s.milestone AS milestone, s.shipped_at AS shipped_at "
            "FROM shipment s JOIN orders o ON o.id = s.order_id "
            f"WHERE s.tracking_number IN ({p.list(chunk)})",
            p,
        )
    for shipment_id, order_id, order_number, tracking, carrier, milestone, shipped_at in sorted(
        rows
    ):
        parcel = _Parcel(shipment_id, order_id, carrier, milestone, rawsql.to_datetime(shipped_at))
        found[(order_number, tracking)] = parcel
        found[(None, tracking)] = parcel
    return found


async def _history(shipment_ids: set[int]) -> dict[int, list[_Event]]:
    """Every stored event of these shipments."""
    history: dict[int, list[_Event]] = {i: [] for i in shipment_ids}
    for chunk in rawsql.chunks(sorted(shipment_ids)):
        p = rawsql.Params()
        for shipment_id, *event in await rawsql.fetch(
            "SELECT shipment_id, id, occurred_at, milestone, reason, raw_description, dedupe_key "
            f"FROM tracking_event WHERE shipment_id IN ({p.list(chunk)})",
            p,
        ):
            event_id, occurred_at, milestone, reason, description, key = event
            history[shipment_id].append(
                _Event(
                    event_id, rawsql.to_datetime(occurred_at), milestone, reason, description, key
                )
            )
    return history


_EVENT_COLUMNS = (
    "shipment_id, occurred_at, milestone, reason, raw_code, raw_description, "
    "location, source, dedupe_key, received_at"
)


async def _insert_events(rows: list[tuple[Any, ...]]) -> list[tuple[int, _Event]]:
    """Store new events (rows as built by :func:`record_events`); (shipment id, event) for
    each stored, leaving out any another process stored meanwhile."""
    now = utcnow()
    stored = []
    for chunk in rawsql.chunks(rows, width=10):
        p = rawsql.Params()
        values = p.rows((*row, now) for row in chunk)
        returned = await rawsql.fetch(
            f"INSERT INTO tracking_event ({_EVENT_COLUMNS}) VALUES {values} "
            "ON CONFLICT (shipment_id, dedupe_key) DO NOTHING "
            "RETURNING id AS event_id, shipment_id AS event_shipment, dedupe_key AS event_key",
            p,
        )
        by_key = {(row[0], row[8]): row for row in chunk}
        for event_id, shipment_id, key in returned:
            _, occurred_at, milestone, reason, _, description, *_ = by_key[(shipment_id, key)]
            stored.append(
                (shipment_id, _Event(event_id, occurred_at, milestone, reason, description, key))
            )
    return stored


# Milestones the customer hears about, and as what.
_NOTIFY = {
    "out_for_delivery": "out_for_delivery",
    "available_for_pickup": "available_for_pickup",
    "attempt_failed": "attempt_failed",
    "delivered": "delivered",
    "exception": "exception",
    "returning_to_sender": "returned_to_sender",
    "returned_to_sender": "returned_to_sender",
}
_STATE_SQL = (
    "milestone = {}, reason = {}, status_text = {}, last_event_at = {}, "
    "delivered_at = {}, shipped_at = {}, watch = NULL, watch_since = NULL"
)


async def _refold(
    shipments: list[_Parcel],
    history: dict[int, list[_Event]],
    estimates: dict[int, tuple[date | None, date | None]],
) -> None:
    """Recompute each touched shipment from all its events, then its order's stage."""
    plans = []
    updates: list[list[Any]] = []
    with_estimate: list[list[Any]] = []
    for shipment in shipments:
        events = history[shipment.id]
        state = current_scan(Scan(e.occurred_at, e.milestone, e.reason, e.id) for e in events)
        assert state is not None  # the shipment has at least the event just stored
        if state.milestone != shipment.milestone and state.milestone in _NOTIFY:
            plans.append(
                Plan(
                    shipment.order_id,
                    _NOTIFY[state.milestone],
                    shipment.id,
                    state.reason,
                    happened_at=state.occurred_at,
                )
            )
        text = next(e.description for e in events if e.id == state.seq)
        shipped_at = shipment.shipped_at
        if shipped_at is None and state.milestone != "label_created":
            shipped_at = min(e.occurred_at for e in events if e.milestone != "label_created")
        row = [
            state.milestone,
            state.reason,
            text,
            max(e.occurred_at for e in events),
            state.occurred_at if state.milestone == "delivered" else None,
            shipped_at,
        ]
        if shipment.id in estimates:
            with_estimate.append([*row, *estimates[shipment.id], shipment.id])
        else:
            updates.append([*row, shipment.id])
    marks = rawsql.placeholders(9)
    state_sql = _STATE_SQL.format(*marks[:6])
    await rawsql.execute_many(f"UPDATE shipment SET {state_sql} WHERE id = {marks[6]}", updates)
    await rawsql.execute_many(
        f"UPDATE shipment SET {state_sql}, carrier_estimate_from = {marks[6]}, "
        f"carrier_estimate_to = {marks[7]} WHERE id = {marks[8]}",
        with_estimate,
    )
    await refresh_orders({s.order_id for s in shipments}, "tracking")
    await plan(current_settings(), plans)
