"""Shipment services: add or edit a shipment, record tracking events (one or a batch).

Recording runs the milestone engine: new events are stored (duplicates ignored), the
shipment's state is folded from all its events in the order they happened, the order's stage
follows, and the change feed gets one row per order — all in one transaction.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from shopdesk.db import current_settings
from shopdesk.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from shopdesk.models import Shipment, TrackingEvent
from shopdesk.notify.outbox import Plan, plan
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
            raise InvalidInput(f"{found.reason}: check it for a typo, or name the carrier "
                               "with --carrier if it is right")
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
        await plan(current_settings(),
                   [Plan(order.id, "shipped", shipment.id, happened_at=shipped_at)])
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
    async with in_transaction():
        shipments = await _shipments_for(prepared)
        known = set(await TrackingEvent.filter(
            shipment_id__in=[s.id for s in shipments.values()],
            dedupe_key__in=[key for _, key, _ in prepared],
        ).values_list("shipment_id", "dedupe_key"))
        fresh: list[TrackingEvent] = []
        estimates: dict[int, tuple[date | None, date | None]] = {}
        for event, key, milestone_reason in prepared:
            shipment = shipments.get((event.order_number, event.tracking_number)) \
                or shipments.get((None, event.tracking_number))
            if shipment is None:
                result.unknown.append(event.tracking_number)
                continue
            if (shipment.id, key) in known:
                result.duplicates += 1
                continue
            known.add((shipment.id, key))
            milestone, reason = milestone_reason or _classify(event, shipment.carrier)
            fresh.append(TrackingEvent(
                shipment_id=shipment.id, occurred_at=event.occurred_at, milestone=milestone,
                reason=reason, raw_code=event.code, raw_description=event.description,
                location=event.location, source=event.source, dedupe_key=key,
            ))
            if event.estimate:
                estimates[shipment.id] = event.estimate
        if fresh:
            await TrackingEvent.bulk_create(fresh)
            by_id = {s.id: s for s in shipments.values()}
            touched = {e.shipment_id for e in fresh}  # type: ignore[attr-defined]
            await _refold([by_id[shipment_id] for shipment_id in touched], estimates)
        result.recorded = len(fresh)
    return result


def _prepare(event: NewEvent) -> tuple[NewEvent, str, tuple[str, str | None] | None]:
    """Check an event; returns it cleaned, its dedupe key and its given milestone, if any."""
    occurred_at = ensure_aware(event.occurred_at, "occurred_at")
    if occurred_at > utcnow().replace(year=utcnow().year + 1):
        raise InvalidInput(f"event time {occurred_at:%Y-%m-%d} is more than a year ahead")
    given = None
    if event.milestone:
        if event.milestone not in MILESTONES:
            raise InvalidInput(f"unknown milestone {event.milestone!r}; one of: "
                               f"{', '.join(MILESTONES)}")
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
        basis = "|".join((occurred_at.isoformat(), event.milestone or "", cleaned.code,
                          cleaned.description.casefold(), cleaned.location.casefold()))
    return cleaned, hashlib.sha256(basis.encode()).hexdigest()[:40], given


def _classify(event: NewEvent, shipment_carrier: str) -> tuple[str, str | None]:
    found = normalise(event.carrier or shipment_carrier, event.code or None, event.description)
    return found.milestone, found.reason


async def _shipments_for(
    prepared: Sequence[tuple[NewEvent, str, object]],
) -> dict[tuple[str | None, str], Shipment]:
    """Shipments keyed by (order number, tracking number) and (None, tracking number) — the
    latter the newest shipment with that number."""
    numbers = {e.tracking_number for e, _, _ in prepared}
    found: dict[tuple[str | None, str], Shipment] = {}
    rows = await Shipment.filter(tracking_number__in=list(numbers)) \
        .annotate(order_number=F("order__number")).order_by("id")
    for shipment in rows:
        found[(shipment.order_number, shipment.tracking_number)] = shipment  # type: ignore[attr-defined]
        found[(None, shipment.tracking_number)] = shipment
    return found


_STATE_FIELDS = ("milestone", "reason", "status_text", "last_event_at", "delivered_at",
                 "shipped_at", "carrier_estimate_from", "carrier_estimate_to", "watch",
                 "watch_since")
# Milestones the customer hears about, and as what.
_NOTIFY = {"out_for_delivery": "out_for_delivery", "available_for_pickup": "available_for_pickup",
           "attempt_failed": "attempt_failed", "delivered": "delivered",
           "exception": "exception", "returning_to_sender": "returned_to_sender",
           "returned_to_sender": "returned_to_sender"}


async def _refold(
    shipments: list[Shipment], estimates: dict[int, tuple[date | None, date | None]]
) -> None:
    """Recompute each touched shipment from all its events, then its order's stage."""
    scans: dict[int, list[Scan]] = defaultdict(list)
    texts: dict[int, str] = {}
    rows = await TrackingEvent.filter(shipment_id__in=[s.id for s in shipments]).values_list(
        "shipment_id", "id", "occurred_at", "milestone", "reason", "raw_description"
    )
    for shipment_id, event_id, occurred_at, milestone, reason, description in rows:
        scans[shipment_id].append(Scan(occurred_at, milestone, reason, event_id))
        texts[event_id] = description
    plans = []
    for shipment in shipments:
        history = scans[shipment.id]
        state = current_scan(history)
        assert state is not None  # the shipment has at least the event just stored
        if state.milestone != shipment.milestone and state.milestone in _NOTIFY:
            plans.append(Plan(shipment.order_id, _NOTIFY[state.milestone],  # type: ignore[attr-defined]
                              shipment.id, state.reason, happened_at=state.occurred_at))
        shipment.milestone, shipment.reason = state.milestone, state.reason
        shipment.watch = shipment.watch_since = None  # it moved: any stall or delay is over
        shipment.status_text = texts[state.seq]
        shipment.last_event_at = max(scan.occurred_at for scan in history)
        shipment.delivered_at = state.occurred_at if state.milestone == "delivered" else None
        if shipment.shipped_at is None and state.milestone != "label_created":
            shipment.shipped_at = min(s.occurred_at for s in history
                                      if s.milestone != "label_created")
        if shipment.id in estimates:
            shipment.carrier_estimate_from, shipment.carrier_estimate_to = estimates[shipment.id]
    # One UPDATE per row: Tortoise caches its SQL, while bulk_update builds a CASE query of
    # every row through pypika each time (about 4x the CPU for a batch of 500).
    for shipment in shipments:
        await shipment.save(update_fields=_STATE_FIELDS)
    await refresh_orders({s.order_id for s in shipments}, "tracking")  # type: ignore[attr-defined]
    await plan(current_settings(), plans)
