"""The outbox: plan messages in the state change's transaction, claim them, record attempts.

A row's ``key`` (order, milestone, parcel or episode, channel) is unique, so planning the same
milestone twice never yields a second message. The worker claims due rows by marking them
``sending``; a worker that dies leaves them so, and the next worker takes them back after
the lease (``notifications.lease_seconds``) — the only way a message can go twice.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from shopdesk.config import Settings
from shopdesk.models import Alert, Notification, NotificationAttempt, Order
from shopdesk.notify.channels import channels_for
from shopdesk.services.common import utcnow

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=2)
# Milestones that concern one parcel; the rest concern the whole order.
PARCEL_KINDS = frozenset(
    {
        "shipped",
        "out_for_delivery",
        "available_for_pickup",
        "attempt_failed",
        "delivered",
        "exception",
        "returned_to_sender",
    }
)


@dataclass(frozen=True, slots=True)
class Plan:
    """Tell the customer of order ``order_id`` about ``kind``."""

    order_id: int
    kind: str
    shipment_id: int | None = None
    reason: str | None = None
    happened_at: datetime | None = None  # when it happened; None: now
    episode: str = ""  # distinguishes repeated episodes (a second stall) in the key


async def plan(settings: Settings, plans: Sequence[Plan], *, now: datetime | None = None) -> int:
    """Write outbox rows for these milestones; call inside the causing transaction.

    Old news (a historical import) plans nothing; nor does a cancelled order (except for the
    cancellation itself), a customer who opted out, or a channel the customer has no address
    for (checked at send time). Several parcels of one order reaching the same milestone
    before the first message went out share one message (a digest).

    Returns:
        How many rows were written or extended.
    """
    if not settings.channels or not plans:
        return 0
    now = now or utcnow()
    cutoff = now - timedelta(hours=settings.history_hours)
    plans = [p for p in plans if p.happened_at is None or p.happened_at >= cutoff]
    if not plans:
        return 0
    orders = {
        order_id: (cancelled_at, opted_out)
        for order_id, cancelled_at, opted_out in await Order.filter(
            id__in={p.order_id for p in plans}
        ).values_list("id", "cancelled_at", "customer__opted_out_at")
    }
    queued: dict[tuple[int, str, str], Notification] = {
        (n.order_id, n.kind, n.channel): n  # type: ignore[attr-defined]
        for n in await Notification.filter(
            order_id__in=list(orders), status="queued", kind__in={p.kind for p in plans}
        )
    }
    fresh: dict[str, Notification] = {}
    bumped: set[int] = set()
    for p in plans:
        cancelled_at, opted_out = orders.get(p.order_id, (None, None))
        if cancelled_at or opted_out:
            continue
        for channel in channels_for(settings, p.kind):
            key = _key(p, channel)
            waiting = queued.get((p.order_id, p.kind, channel))
            if key in fresh or (waiting is not None and waiting.key == key):
                continue
            if waiting is not None and p.kind in PARCEL_KINDS:
                waiting.parcels += 1  # a digest: one message for several parcels
                if waiting.id is not None:
                    bumped.add(waiting.id)
                continue
            row = Notification(
                order_id=p.order_id,
                shipment_id=p.shipment_id,
                kind=p.kind,
                channel=channel,
                key=key,
                due_at=now,
                reason=p.reason,
            )
            fresh[key] = queued[(p.order_id, p.kind, channel)] = row
    for row in queued.values():
        if row.id in bumped:
            await row.save(update_fields=["parcels"])
    if fresh:
        await Notification.bulk_create(list(fresh.values()), ignore_conflicts=True)
    return len(fresh) + len(bumped)


def _key(p: Plan, channel: str) -> str:
    parcel = f":{p.shipment_id}" if p.kind in PARCEL_KINDS or p.kind == "delayed" else ""
    episode = f":{p.episode}" if p.episode else ""
    return f"{p.order_id}:{p.kind}{parcel}{episode}:{channel}"[:120]


async def claim(
    limit: int = 200, *, now: datetime | None = None, lease: timedelta = timedelta(minutes=5)
) -> list[Notification]:
    """Take up to ``limit`` due rows for sending (and any left ``sending`` by a dead worker)."""
    now = now or utcnow()
    async with in_transaction():
        await Notification.filter(status="sending", claimed_at__lt=now - lease).update(
            status="queued"
        )
        ids = (
            await Notification.filter(status="queued", due_at__lte=now)
            .order_by("due_at", "id")
            .limit(limit)
            .values_list("id", flat=True)
        )
        if not ids:
            return []
        await Notification.filter(id__in=list(ids), status="queued").update(
            status="sending", claimed_at=now
        )
        return list(
            await Notification.filter(id__in=list(ids), status="sending", claimed_at=now).order_by(
                "id"
            )
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one claimed row."""

    notification: Notification
    status: str  # sent, failed (to retry or give up), skipped, deferred
    error: str = ""
    due_at: datetime | None = None  # deferred: when to try (quiet hours end)


async def finish(
    settings: Settings, outcomes: Sequence[Outcome], *, now: datetime | None = None
) -> list[Notification]:
    """Record the outcomes in one transaction; returns the rows that gave up for good."""
    now = now or utcnow()
    gave_up = []
    async with in_transaction():
        attempts = []
        for outcome in outcomes:
            row = outcome.notification
            if outcome.status == "deferred":
                row.status, row.due_at = "queued", outcome.due_at or now
            elif outcome.status == "skipped":
                row.status, row.last_error = "skipped", outcome.error
            elif outcome.status == "sent":
                row.status, row.sent_at = "sent", now
                row.attempts += 1
                attempts.append(NotificationAttempt(notification=row, at=now, ok=True))
            else:
                row.attempts += 1
                row.last_error = outcome.error
                attempts.append(
                    NotificationAttempt(notification=row, at=now, ok=False, error=outcome.error)
                )
                if row.attempts >= settings.max_attempts:
                    row.status = "failed"
                    gave_up.append(row)
                else:
                    row.status, row.due_at = "queued", now + backoff(row.attempts)
        for row in (o.notification for o in outcomes):
            await row.save(update_fields=["status", "due_at", "sent_at", "attempts", "last_error"])
        await NotificationAttempt.bulk_create(attempts)
        numbers = (
            dict(
                await Order.filter(id__in={r.order_id for r in gave_up}).values_list("id", "number")  # type: ignore[attr-defined]
            )
            if gave_up
            else {}
        )
        for row in gave_up:
            await raise_alert(
                row.order_id,
                "notification_failed",  # type: ignore[attr-defined]
                f"Order {numbers.get(row.order_id)}: the {row.kind.replace('_', ' ')} message "  # type: ignore[attr-defined]
                f"by {row.channel} could not be sent after {row.attempts} attempts: "
                f"{row.last_error}",
                key=f"notification:{row.id}",
                shipment_id=row.shipment_id,
            )
    return gave_up


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with ±20% jitter: 30 s, 1 min, 2 min, … capped at 2 hours."""
    delay = min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_CAP)
    return delay * random.uniform(0.8, 1.2)


async def raise_alert(
    order_id: int | None, kind: str, message: str, *, key: str, shipment_id: int | None = None
) -> bool:
    """Put an entry in the owner's exceptions queue (once per key); True if it is new."""
    _, created = await Alert.get_or_create(
        key=key[:120],
        defaults={
            "order_id": order_id,
            "kind": kind,
            "message": message,
            "shipment_id": shipment_id,
        },
    )
    return created


async def counts() -> dict[str, int]:
    """Outbox rows by status."""
    from tortoise.functions import Count

    rows = await Notification.annotate(n=Count("id")).group_by("status").values_list("status", "n")
    result: dict[str, int] = defaultdict(int)
    result.update(dict(rows))
    return dict(result)


async def retry(notification_id: int, *, now: datetime | None = None) -> None:
    """Give a failed message one more attempt, due now (the worker sends it on its next pass);
    its open exceptions-queue entry is settled. If that attempt fails too, it is failed again.

    Raises:
        NotFound: no such message.
        Conflict: the message is not failed (queued, sent or skipped).
    """
    from shopdesk.errors import Conflict, NotFound
    from shopdesk.services.common import record_changes

    now = now or utcnow()
    async with in_transaction():
        row = await Notification.get_or_none(id=notification_id)
        if row is None:
            raise NotFound(f"no message {notification_id} in the outbox")
        if row.status != "failed":
            raise Conflict(
                f"message {notification_id} is {row.status}; only failed messages can be retried"
            )
        moved = await Notification.filter(id=row.id, status="failed").update(
            status="queued", due_at=now, claimed_at=None
        )
        if not moved:
            raise Conflict(f"message {notification_id} was changed meanwhile; look again")
        await Alert.filter(key=f"notification:{row.id}", resolved_at__isnull=True).update(
            resolved_at=now
        )
        await record_changes([row.order_id], "notification")  # type: ignore[attr-defined]
