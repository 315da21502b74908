"""The owner's day at a glance: what to ship, what is moving, what needs a human, how the
notifications went, and orders and deliveries per day."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tortoise.functions import Count

from shopdesk.config import Settings
from shopdesk.models import Notification, Order, Shipment
from shopdesk.services.common import utcnow
from shopdesk.services.queries import count_by_stage


@dataclass(frozen=True, slots=True)
class DashboardView:
    """Counts for the dashboard; ``*_per_day`` are oldest day first, ending today."""

    today: date
    to_ship: int  # confirmed or preparing
    in_transit: int  # shipped or partly shipped
    out_for_delivery: int
    delivered_today: int  # orders with a parcel delivered today (shop time)
    delivered_total: int
    attention: int  # orders that need the owner
    notifications_sent_today: int
    notifications_failed: int  # gave up: waiting in the exceptions queue
    notifications_queued: int
    orders_per_day: tuple[int, ...]
    deliveries_per_day: tuple[int, ...]


async def dashboard(
    settings: Settings, *, now: datetime | None = None, days: int = 30
) -> DashboardView:
    """The dashboard's figures, days counted in the shop's time zone."""
    now = now or utcnow()
    zone = settings.zone
    today = now.astimezone(zone).date()
    first_day = today - timedelta(days=days - 1)
    since = datetime.combine(first_day, time(), zone).astimezone(UTC)
    start_of_today = datetime.combine(today, time(), zone).astimezone(UTC)

    stages = await count_by_stage()
    attention = await Order.filter(attention__isnull=False).count()
    placed = await Order.filter(placed_at__gte=since).values_list("placed_at", flat=True)
    delivered = await Shipment.filter(delivered_at__gte=since).values_list(
        "order_id", "delivered_at"
    )
    orders_per_day = _per_day([p.astimezone(zone).date() for p in placed], first_day, days)
    # An order delivered in several parcels on one day counts once for that day.
    delivery_days = {(order_id, at.astimezone(zone).date()) for order_id, at in delivered}
    deliveries_per_day = _per_day([d for _, d in delivery_days], first_day, days)
    statuses = dict(
        await Notification.annotate(n=Count("id")).group_by("status").values_list("status", "n")
    )
    sent_today = await Notification.filter(status="sent", sent_at__gte=start_of_today).count()
    return DashboardView(
        today=today,
        to_ship=stages["confirmed"] + stages["preparing"],
        in_transit=stages["shipped"] + stages["partly_shipped"],
        out_for_delivery=stages["out_for_delivery"],
        delivered_today=len({o for o, d in delivery_days if d == today}),
        delivered_total=stages["delivered"] + stages["partly_delivered"],
        attention=attention,
        notifications_sent_today=sent_today,
        notifications_failed=statuses.get("failed", 0),
        notifications_queued=statuses.get("queued", 0) + statuses.get("sending", 0),
        orders_per_day=orders_per_day,
        deliveries_per_day=deliveries_per_day,
    )


def _per_day(days: list[date], first_day: date, count: int) -> tuple[int, ...]:
    tally = Counter(days)
    return tuple(tally.get(first_day + timedelta(days=i), 0) for i in range(count))
