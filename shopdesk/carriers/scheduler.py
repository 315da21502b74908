"""The poller: asks carrier APIs about active shipments, adaptively and within each budget.

Each round, per configured carrier: pick the shipments that are due — one indexed query,
``shipment.next_poll_at <= now``, so a quiet round reads nothing however many parcels are on
their way — and poll them most urgent first (often when out for delivery, rarely when stalled,
never once delivered, returned or cancelled). A finished parcel is only looked at in the
database, once a day (a webhook may have moved it back, e.g. returning to its sender), and
dropped from the schedule 60 days after it was added or when its order is cancelled.
Spend at most what is left of the carrier's request budget (a sliding window shared by
every process through the ``carrier_health`` row); record what the carrier says through the
shipment services in one batch; plan each shipment's next poll. A 429 pauses the carrier for
its Retry-After (or a growing backoff), a 5xx or network failure for a growing backoff; a
"not found" answer is the carrier not knowing a fresh label yet, retried later, not an error.
The clock is injected: tests run a whole day without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from tortoise.expressions import Q

from shopdesk.carriers import ADAPTERS
from shopdesk.carriers.base import (
    AuthFailed,
    CarrierAdapter,
    CarrierError,
    CarrierSettings,
    RateLimited,
    TrackResult,
)
from shopdesk.config import Settings
from shopdesk.errors import InvalidInput
from shopdesk.models import CarrierHealth, Shipment, ShipmentPoll
from shopdesk.services.common import utcnow
from shopdesk.services.shipments import NewEvent, record_events

log = logging.getLogger(__name__)

FINAL = ("delivered", "returned_to_sender", "cancelled")
HOUR = timedelta(hours=1)
# How long until the next poll, by the shipment's milestone.
INTERVALS = {
    "out_for_delivery": timedelta(minutes=30),
    "attempt_failed": 2 * HOUR,
    "available_for_pickup": 6 * HOUR,
    "exception": 4 * HOUR,
    "returning_to_sender": 12 * HOUR,
    "label_created": 4 * HOUR,
    "in_transit": 3 * HOUR,
}
STALLED_AFTER = timedelta(days=3)  # no scan for this long: poll rarely
STALLED_INTERVAL = 12 * HOUR
NOT_FOUND_FIRST = HOUR  # then doubling, up to a day
INVALID_INTERVAL = 24 * HOUR
GIVE_UP_AFTER = timedelta(days=60)  # shipments older than this are not polled any more
FINISHED_LOOK = 24 * HOUR  # a finished parcel is looked at (not polled) this often
LEASE = timedelta(minutes=15)  # longest a round may hold a carrier (a crashed one: until then)
# The most urgent milestones first when the budget does not cover every due shipment.
_URGENCY = {
    "out_for_delivery": 0,
    "attempt_failed": 1,
    "available_for_pickup": 2,
    "exception": 2,
    "in_transit": 3,
    "label_created": 4,
    "returning_to_sender": 5,
}


@dataclass(slots=True)
class _Due:
    shipment_id: int
    tracking_number: str
    milestone: str
    last_event_at: datetime | None
    next_poll_at: datetime
    poll: ShipmentPoll | None


@dataclass(slots=True)
class RoundReport:
    """What one round did for one carrier."""

    carrier: str
    due: int = 0
    polled: int = 0
    requests: int = 0
    recorded: int = 0
    not_found: int = 0
    invalid: int = 0
    error: str = ""
    rejected: list[str] = field(default_factory=list)  # answers shopdesk could not record
    outcomes: dict[str, str] = field(default_factory=dict)  # tracking number -> outcome


def configured(settings: Settings) -> list[CarrierSettings]:
    """The carriers with an enabled section and every credential their adapter needs."""
    ready = []
    for name, config in settings.carriers.items():
        adapter = ADAPTERS.get(name)
        if adapter and config.enabled and all(getattr(config, k) for k in adapter.needs):
            ready.append(config)
    return ready


class Poller:
    """Polls every configured carrier. Use as ``async with Poller(settings) as p``."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(20.0), headers={"User-Agent": "shopdesk"}
        )
        self.adapters: dict[str, CarrierAdapter] = {
            c.name: ADAPTERS[c.name](c, self.http, clock) for c in configured(settings)
        }

    async def __aenter__(self) -> Poller:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._own_http:
            await self.http.aclose()

    async def run_once(self) -> list[RoundReport]:
        """One round over every carrier: poll what is due, within budget."""
        return [await self.poll_carrier(adapter) for adapter in self.adapters.values()]

    async def run_forever(self, stop: asyncio.Event, idle: float = 60.0) -> None:
        """Rounds until ``stop`` is set, sleeping until the next poll is due (at most ``idle``)."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # never let one bad round end the service
                log.exception("carrier polling round failed")
            wait = idle
            rows = await CarrierHealth.filter(name__in=list(self.adapters)).values_list(
                "next_poll_at", flat=True
            )
            soonest = min((r for r in rows if r is not None), default=None)
            if soonest is not None:
                wait = min(idle, max(1.0, (soonest - self.clock()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)

    async def poll_carrier(self, adapter: CarrierAdapter) -> RoundReport:
        now = self.clock()
        report = RoundReport(adapter.name)
        await CarrierHealth.get_or_create(name=adapter.name)
        # One process polls a carrier at a time, so two never spend the same budget: the
        # lease is taken by one atomic UPDATE and lapses by itself if its holder dies.
        free = Q(leased_until__isnull=True) | Q(leased_until__lte=now)
        if not await CarrierHealth.filter(free, name=adapter.name).update(leased_until=now + LEASE):
            report.error = "another process is polling this carrier right now"
            return report
        health = await CarrierHealth.get(name=adapter.name)
        health.leased_until = None  # released when the round saves its health
        due = sorted(
            await self._due(adapter, now),
            key=lambda d: (_URGENCY.get(d.milestone, 9), d.next_poll_at),
        )
        report.due = len(due)
        recent = _recent(health, now, adapter.window)
        if health.paused_until and health.paused_until > now:
            await self._save_health(health, recent, now, adapter)
            return report
        results: list[TrackResult] = []
        for start in range(0, len(due), adapter.batch_size):
            batch = due[start : start + adapter.batch_size]
            if adapter.cost(len(batch)) > adapter.budget - len(recent):
                break
            try:
                found = await adapter.track([d.tracking_number for d in batch])
            except CarrierError as exc:
                report.error = str(exc)
                self._failed(health, exc, now)
                break
            finally:
                recent.extend(adapter.sent)
                report.requests += len(adapter.sent)
                adapter.sent.clear()
            results.extend(found)
            report.polled += len(batch)
        if results:
            await self._record(adapter, results, due, report, now)
            if not report.error:
                health.failures, health.last_success_at, health.paused_until = 0, now, None
        await self._save_health(health, recent, now, adapter)
        return report

    async def _due(self, adapter: CarrierAdapter, now: datetime) -> list[_Due]:
        """This carrier's parcels due for a poll. Finished ones that came up are planned for
        their next look; cancelled or given-up ones leave the schedule."""
        rows = await Shipment.filter(_served(adapter), next_poll_at__lte=now).values_list(
            "id",
            "tracking_number",
            "milestone",
            "last_event_at",
            "next_poll_at",
            "created_at",
            "order__cancelled_at",
        )
        retired = [r[0] for r in rows if r[6] is not None or r[5] < now - GIVE_UP_AFTER]
        finished = [r[0] for r in rows if r[0] not in retired and r[2] in FINAL]
        if retired:
            await Shipment.filter(id__in=retired).update(next_poll_at=None)
        if finished:
            await Shipment.filter(id__in=finished).update(next_poll_at=now + FINISHED_LOOK)
        mine = [r for r in rows if r[0] not in retired and r[0] not in finished]
        polls = {
            p.shipment_id: p
            for p in await ShipmentPoll.filter(  # type: ignore[attr-defined]
                shipment_id__in=[r[0] for r in mine]
            )
        }
        return [_Due(r[0], r[1], r[2], r[3], r[4], polls.get(r[0])) for r in mine]

    async def _record(
        self,
        adapter: CarrierAdapter,
        results: Sequence[TrackResult],
        due: Sequence[_Due],
        report: RoundReport,
        now: datetime,
    ) -> None:
        events: list[NewEvent] = [e for r in results for e in r.events]
        try:
            report.recorded = (await record_events(events)).recorded if events else 0
        except InvalidInput:  # one odd event (a time years ahead): keep every other parcel's
            for result in results:
                try:
                    report.recorded += (await record_events(result.events)).recorded
                except InvalidInput as exc:
                    log.warning("%s: %s: %s", adapter.name, result.tracking_number, exc)
                    report.rejected.append(f"{result.tracking_number}: {exc}")
        by_number = {d.tracking_number: d for d in due}
        states = dict(
            await Shipment.filter(
                id__in=[
                    by_number[r.tracking_number].shipment_id
                    for r in results
                    if r.tracking_number in by_number
                ]
            ).values_list("id", "milestone")
        )
        for result in results:
            item = by_number.get(result.tracking_number)
            if item is None:
                continue
            report.outcomes[result.tracking_number] = result.outcome
            poll = item.poll or ShipmentPoll(shipment_id=item.shipment_id)
            milestone = states.get(item.shipment_id, item.milestone)
            latest = max((e.occurred_at for e in result.events), default=item.last_event_at)
            poll.last_at, poll.outcome = now, result.outcome
            if result.outcome == "not_found":
                report.not_found += 1
                poll.misses += 1
                wait = min(24 * HOUR, NOT_FOUND_FIRST * 2 ** (poll.misses - 1))
            elif result.outcome == "invalid":
                report.invalid += 1
                wait = INVALID_INTERVAL
            else:
                poll.misses = 0
                wait = interval(milestone, latest, now)
            await poll.save()
            await Shipment.filter(id=item.shipment_id).update(next_poll_at=now + wait)

    def _failed(self, health: CarrierHealth, exc: CarrierError, now: datetime) -> None:
        health.failures += 1
        health.last_error, health.last_error_at = str(exc)[:500], now
        backoff = min(HOUR, timedelta(minutes=1) * 2 ** (health.failures - 1))
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            backoff = timedelta(seconds=min(exc.retry_after, 86400))
        elif isinstance(exc, AuthFailed):
            backoff = max(backoff, timedelta(minutes=15))
            adapter = self.adapters.get(health.name)
            if adapter is not None and hasattr(adapter, "forget_token"):
                adapter.forget_token()
        health.paused_until = now + backoff

    async def _save_health(
        self,
        health: CarrierHealth,
        recent: list[datetime],
        now: datetime,
        adapter: CarrierAdapter,
    ) -> None:
        health.recent = json.dumps([round(t.timestamp(), 3) for t in recent])
        soonest = next(
            iter(
                await Shipment.filter(_served(adapter), next_poll_at__isnull=False)
                .order_by("next_poll_at")
                .limit(1)
                .values_list("next_poll_at", flat=True)
            ),
            None,
        )
        if soonest is not None and len(recent) >= adapter.budget and recent:
            soonest = max(soonest, min(recent) + adapter.window)  # the budget frees up then
        if health.paused_until and health.paused_until > now:
            soonest = max(soonest or now, health.paused_until)
        health.next_poll_at = soonest
        await health.save()


def interval(milestone: str, last_event_at: datetime | None, now: datetime) -> timedelta:
    """How long to wait before asking about a shipment again (finished: looking at it)."""
    if milestone in FINAL:
        return FINISHED_LOOK
    if (
        last_event_at is not None
        and now - last_event_at > STALLED_AFTER
        and milestone not in ("out_for_delivery", "attempt_failed")
    ):
        return STALLED_INTERVAL
    return INTERVALS.get(milestone, 6 * HOUR)


def _served(adapter: CarrierAdapter) -> Q:
    """The shipments whose carrier (any spelling the adapter knows, any case) it tracks."""
    return Q(*(Q(carrier__iexact=name) for name in sorted(adapter.serves)), join_type=Q.OR)


def _recent(health: CarrierHealth, now: datetime, window: timedelta) -> list[datetime]:
    """The requests of the current window, oldest first."""
    try:
        stamps = [float(t) for t in json.loads(health.recent or "[]")]
    except (ValueError, TypeError):
        stamps = []
    start = (now - window).timestamp()
    return [datetime.fromtimestamp(t, tz=now.tzinfo) for t in sorted(stamps) if t > start]
