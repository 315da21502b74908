"""The worker: send what the outbox holds, watch for non-events, alert the owner.

``run_once`` is one full pass; ``run_forever`` repeats it. Every decision about a message is
made at send time from the database as it is then: a message that went stale while queued
(an "out for delivery" behind a "delivered", anything for a cancelled order or an opted-out
customer) is recorded as skipped, not sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from shopdesk.config import Settings
from shopdesk.models import Alert, Notification, Order, Shipment
from shopdesk.notify.channels import channel_kind, customer_zone, fill
from shopdesk.notify.compose import message_for, recipient_of
from shopdesk.notify.message import Rendered
from shopdesk.notify.outbox import Outcome, claim, finish
from shopdesk.notify.render import render
from shopdesk.notify.send import Sender
from shopdesk.notify.watch import watch
from shopdesk.services.common import utcnow
from shopdesk.services.returns import expire_returns

log = logging.getLogger(__name__)
_FINAL = frozenset({"delivered", "returning_to_sender", "returned_to_sender"})
# Which parcel milestones make a queued message about another one stale.
_STALE_BEHIND = {
    "shipped": _FINAL | {"out_for_delivery", "available_for_pickup"},
    "out_for_delivery": _FINAL,
    "available_for_pickup": _FINAL,
    "attempt_failed": _FINAL,
    "exception": _FINAL,
    "delayed": _FINAL,
}


@dataclass(slots=True)
class PassReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    gave_up: int = 0
    watched: dict[str, int] = field(default_factory=dict)
    alerts_sent: int = 0


class Worker:
    """Dispatch and watch for one shop. Keep it long-lived: Apprise's start-up is slow."""

    def __init__(
        self,
        settings: Settings,
        sender: Sender,
        *,
        clock: Callable[[], datetime] = utcnow,
        batch: int = 50,
    ) -> None:
        self.settings = settings
        self.sender = sender
        self.clock = clock
        self.batch = batch

    async def run_once(self) -> PassReport:
        """One full pass: the watch, then every due message, then owner alerts."""
        report = PassReport()
        report.watched = await watch(self.settings, now=self.clock())
        await expire_returns(self.settings, self.clock())
        lease = timedelta(seconds=self.settings.lease_seconds)
        while rows := await claim(self.batch, now=self.clock(), lease=lease):
            await self.dispatch(rows, report)
        report.alerts_sent = await self.alert_owner()
        return report

    async def run_forever(self, stop: asyncio.Event, interval: float = 5.0) -> None:
        """Pass after pass until ``stop`` is set; errors are logged, never fatal."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("worker pass failed; trying again in %s s", interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    async def dispatch(self, rows: list[Notification], report: PassReport) -> None:
        """Decide, render and send each claimed row. Sends run concurrently and each outcome is
        recorded the moment it is known, so a crash can repeat only what was in flight."""
        orders = {
            o.id: o
            for o in await Order.filter(id__in={r.order_id for r in rows})
            .select_related("customer")
            .prefetch_related("items")
        }  # type: ignore[attr-defined]
        shipments = {
            s.id: s
            for s in await Shipment.filter(id__in={r.shipment_id for r in rows if r.shipment_id})
        }
        decided: list[Outcome] = []
        sends = []
        for row in rows:
            shipment = shipments.get(row.shipment_id) if row.shipment_id else None
            decision = await self._prepare(
                row,
                orders[row.order_id],
                shipment,  # type: ignore[attr-defined]
                self.clock(),
            )
            if isinstance(decision, Outcome):
                decided.append(decision)
            else:
                sends.append(self._send(row, *decision))
        await self._record(decided, report)
        for done in asyncio.as_completed(sends):
            await self._record([await done], report)

    async def _send(self, row: Notification, url: str, rendered: Rendered) -> Outcome:
        result = await self.sender.send(url, rendered)
        return Outcome(row, "sent" if result.ok else "failed", result.error)

    async def _record(self, outcomes: list[Outcome], report: PassReport) -> None:
        if not outcomes:
            return
        gave_up = await finish(self.settings, outcomes, now=self.clock())
        for outcome in outcomes:
            setattr(report, outcome.status, getattr(report, outcome.status) + 1)
        report.gave_up += len(gave_up)

    async def _prepare(
        self, row: Notification, order: Order, shipment: Shipment | None, now: datetime
    ) -> Outcome | tuple[str, Rendered]:
        customer = order.customer
        if order.cancelled_at:
            return Outcome(row, "skipped", "the order is cancelled")
        if customer is None:
            return Outcome(row, "skipped", "the order has no customer to tell")
        if customer.opted_out_at:
            return Outcome(row, "skipped", "the customer opted out")
        if shipment is not None and shipment.milestone in _STALE_BEHIND.get(row.kind, ()):
            return Outcome(row, "skipped", f"stale: the parcel is {shipment.milestone} now")
        if row.kind == "delayed" and shipment is not None and shipment.watch is None:
            return Outcome(row, "skipped", "stale: the parcel moved again")
        template = self.settings.channels.get(row.channel)
        if template is None:
            return Outcome(row, "skipped", f"channel {row.channel!r} is no longer configured")
        url = fill(template, recipient_of(order))
        if url is None:
            return Outcome(row, "skipped", f"no address for channel {row.channel!r}")
        kind = channel_kind(row.channel, template)
        zone = ZoneInfo(customer_zone(self.settings, order.timezone, order.ship_country))
        if kind != "email" and (resume := self._quiet_until(now, zone)):
            return Outcome(row, "deferred", due_at=resume)
        message = await message_for(
            self.settings, order, shipment, row.kind, reason=row.reason, parcels=row.parcels
        )
        override = self.settings.data_dir / "templates"
        return url, render(message, kind, override_dir=override if override.is_dir() else None)

    def _quiet_until(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """When quiet hours end, if ``now`` is inside them in ``zone``; else None."""
        if self.settings.quiet_hours is None:
            return None
        start, end = self.settings.quiet_hours
        local = now.astimezone(zone)
        t = local.time()
        inside = start <= t or t < end if start > end else start <= t < end
        if not inside:
            return None
        resume = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        if resume <= local:
            resume += timedelta(days=1)
        # UTC, always: SQLite compares stored times as text, so "08:00+01:00" > "07:30+00:00".
        return resume.astimezone(UTC)

    async def alert_owner(self) -> int:
        """Tell the owner's channels about new exceptions-queue entries; returns how many."""
        alerts = await Alert.filter(notified_at__isnull=True).order_by("id").limit(100)
        if not alerts:
            return 0
        sent = 0
        for alert in alerts:
            text = f"{self.settings.shop_name}: {alert.message}"
            rendered = Rendered(
                title=f"shopdesk: {alert.kind.replace('_', ' ')}",
                body=text,
                body_format="text",
                text=text,
            )
            results = await asyncio.gather(
                *(self.sender.send(url, rendered) for url in self.settings.owner_urls)
            )
            if all(r.ok for r in results):
                alert.notified_at = self.clock()
                await alert.save(update_fields=["notified_at"])
                sent += bool(results)
            else:
                log.warning(
                    "owner alert %s not delivered: %s",
                    alert.id,
                    "; ".join(r.error for r in results if not r.ok),
                )
        return sent
