"""What a tracking page shows, built from an OrderView: only what is safe for the customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from portal.i18n import Translator
from shopdesk.config import Settings
from shopdesk.notify.channels import customer_zone
from shopdesk.notify.render import format_window
from shopdesk.tracking.carriers import carrier_url
from shopdesk.views import OrderView, ShipmentView

STALE_DAYS = 3


@dataclass(frozen=True, slots=True)
class EventLine:
    iso: str
    when: str
    milestone: str
    description: str
    location: str


@dataclass(frozen=True, slots=True)
class Parcel:
    carrier: str
    tracking_number: str
    carrier_url: str | None
    milestone: str
    attention: str
    estimate: str
    delivered: str
    freshness: str
    events: tuple[EventLine, ...]


def parcels(
    settings: Settings, order: OrderView, t: Translator, now: datetime | None = None
) -> list[Parcel]:
    now = now or datetime.now(UTC)
    zone = ZoneInfo(customer_zone(settings, None, order.ship_country))
    return [_parcel(s, t, zone, now) for s in order.shipments if s.milestone != "cancelled"]


def _parcel(s: ShipmentView, t: Translator, zone: ZoneInfo, now: datetime) -> Parcel:
    estimate = format_window(*s.estimate, t.locale) if s.estimate else ""
    return Parcel(
        carrier=s.carrier,
        tracking_number=s.tracking_number,
        carrier_url=carrier_url(s.carrier, s.tracking_number),
        milestone=s.milestone,
        attention=_attention(s, t),
        estimate=estimate,
        delivered=f"{s.delivered_at.astimezone(zone):%Y-%m-%d %H:%M}" if s.delivered_at else "",
        freshness=_freshness(s, t, now),
        events=tuple(
            EventLine(
                e.occurred_at.isoformat(),
                f"{e.occurred_at.astimezone(zone):%Y-%m-%d %H:%M}",
                e.milestone,
                e.description,
                e.location,
            )
            for e in s.events
        ),
    )


def _attention(s: ShipmentView, t: Translator) -> str:
    if s.milestone == "exception":
        return t("attention.exception", reason=t(f"reason.{s.reason or 'other'}"))
    if s.milestone == "attempt_failed":
        return t("attention.attempt_failed")
    if s.milestone in ("returning_to_sender", "returned_to_sender"):
        return t("attention.returning")
    if s.watch in ("stalled", "late"):
        return t(f"attention.{s.watch}")
    return ""


def _freshness(s: ShipmentView, t: Translator, now: datetime) -> str:
    if s.last_event_at is None:
        return t("no_scans")
    if s.milestone == "delivered":
        return ""
    seconds = max(0, int((now - s.last_event_at).total_seconds()))
    if seconds >= STALE_DAYS * 86400:
        return t("stale", days=seconds // 86400)
    if seconds >= 86400:
        ago = t("ago.days", n=seconds // 86400)
    elif seconds >= 3600:
        ago = t("ago.hours", n=seconds // 3600)
    elif seconds >= 60:
        ago = t("ago.minutes", n=seconds // 60)
    else:
        ago = t("ago.now")
    return t("fresh", ago=ago)
