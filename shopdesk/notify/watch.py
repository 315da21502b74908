"""The watch: non-events become events.

A parcel with a label but no scan, a parcel with no scan for too long, a parcel past its
estimated window, an order not shipped within the handling time: each becomes a derived event
on the normal path — the order's attention flag, one honest "delayed" message to the customer
(through the outbox), one entry in the owner's exceptions queue — once per episode. The next
carrier scan ends the episode (see ``services.shipments``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from shopdesk.config import Settings
from shopdesk.models import Order, Shipment
from shopdesk.notify.outbox import Plan, plan, raise_alert
from shopdesk.services.common import refresh_orders
from shopdesk.tracking.estimate import business_days_between, estimate_window

_DONE = ("delivered", "returning_to_sender", "returned_to_sender", "cancelled")
# Older than this, a parcel or an unshipped order is history (an import), not news.
HORIZON = timedelta(days=60)


async def watch(settings: Settings, *, now: datetime) -> dict[str, int]:
    """One pass of the watch at time ``now``; returns how many episodes started, by kind."""
    country = settings.holidays_country or settings.country
    today = now.astimezone(settings.zone).date()
    found = {"stalled": 0, "late": 0, "dispatch_delayed": 0}
    async with in_transaction():
        plans, touched = [], set()
        parcels = await Shipment.filter(
            watch__isnull=True, milestone__not_in=_DONE, created_at__gte=now - HORIZON
        ).select_related("order")
        for s in parcels:
            if s.order.cancelled_at:
                continue
            since = s.last_event_at or s.shipped_at or s.created_at
            limit = (
                settings.label_only_days
                if s.last_event_at is None
                else settings.stalled_days_by_carrier.get(s.carrier, settings.stalled_days)
            )
            idle = business_days_between(since.astimezone(settings.zone).date(), today, country)
            window = estimate_window(
                settings,
                shipped_at=s.shipped_at,
                carrier=s.carrier,
                service=s.service,
                country=s.order.ship_country,
                carrier_estimate=(s.carrier_estimate_from, s.carrier_estimate_to),
            )
            if idle > limit:
                kind = "stalled"
                what = (
                    f"parcel {s.tracking_number} ({s.carrier}) has had "
                    + (
                        "a label but no carrier scan"
                        if s.last_event_at is None
                        else "no carrier scan"
                    )
                    + f" for {idle} business days"
                )
            elif window and window[0][1] < today:
                kind = "late"
                what = (
                    f"parcel {s.tracking_number} ({s.carrier}) is past its estimated "
                    f"delivery ({window[0][1]:%a %d %b})"
                )
            else:
                continue
            s.watch, s.watch_since = kind, now
            await s.save(update_fields=["watch", "watch_since"])
            found[kind] += 1
            touched.add(s.order.id)
            episode = f"{now:%Y%m%d%H%M%S}"
            plans.append(Plan(s.order.id, "delayed", s.id, reason=kind, episode=episode))
            await raise_alert(
                s.order.id,
                kind,
                f"Order {s.order.number}: {what}.",
                key=f"{kind}:{s.id}:{episode}",
                shipment_id=s.id,
            )

        waiting = await Order.filter(
            cancelled_at__isnull=True,
            dispatch_delayed_at__isnull=True,
            stage="confirmed",
            placed_at__gte=now - HORIZON,
        )
        for order in waiting:
            days = business_days_between(
                order.placed_at.astimezone(settings.zone).date(), today, country
            )
            if days <= settings.handling_days:
                continue
            order.dispatch_delayed_at = now
            await order.save(update_fields=["dispatch_delayed_at"])
            found["dispatch_delayed"] += 1
            touched.add(order.id)
            plans.append(Plan(order.id, "delayed", reason="dispatch"))
            await raise_alert(
                order.id,
                "dispatch_delayed",
                f"Order {order.number} has not shipped within {days} business "
                f"days (promised: {settings.handling_days}).",
                key=f"dispatch:{order.id}",
            )
        await refresh_orders(touched, "watch")
        await plan(settings, plans, now=now)
    return found
