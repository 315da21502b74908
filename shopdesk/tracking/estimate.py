"""Estimated delivery: the carrier's estimate when there is one, otherwise the ship date plus the
configured transit time in business days (weekends and public holidays skipped)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from shopdesk.config import Settings, TransitRule


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[date]:
    import holidays

    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:  # a country the holidays package does not know
        return frozenset()


def is_business_day(day: date, country: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(country, day.year)


@lru_cache(maxsize=4096)  # every tracking page asks; a few hundred distinct answers a year
def add_business_days(start: date, days: int, country: str) -> date:
    """The date ``days`` business days after ``start`` (``start`` itself if days is 0)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_business_day(day, country):
            days -= 1
    return day


def business_days_between(start: date, end: date, country: str) -> int:
    """Business days after ``start`` up to and including ``end`` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_business_day(day, country)
    return count


def transit_days(settings: Settings, carrier: str, service: str, country: str) -> tuple[int, int]:
    """The first configured transit rule matching the shipment, else the default."""
    for rule in settings.transit:
        if _matches(rule, settings.country, carrier, service, country):
            return rule.days
    return settings.transit_days


def _matches(rule: TransitRule, home: str, carrier: str, service: str, country: str) -> bool:
    if rule.carrier and rule.carrier.casefold() != carrier.casefold():
        return False
    if rule.service and rule.service.casefold() != service.casefold():
        return False
    if rule.destination == "domestic":
        return not country or country == home
    if rule.destination == "international":
        return bool(country) and country != home
    return rule.destination is None or rule.destination == country


def estimate_window(
    settings: Settings,
    *,
    shipped_at: datetime | None,
    carrier: str,
    service: str,
    country: str,
    carrier_estimate: tuple[date | None, date | None] = (None, None),
) -> tuple[tuple[date, date], str] | None:
    """The delivery window and where it came from ("carrier" or "shop"), or None if unknown."""
    start, end = carrier_estimate
    if start or end:
        return (start or end, end or start), "carrier"  # type: ignore[return-value]
    if shipped_at is None:
        return None
    fastest, slowest = transit_days(settings, carrier, service, country)
    holiday_country = settings.holidays_country or settings.country
    shipped = shipped_at.astimezone(settings.zone).date()
    return (
        add_business_days(shipped, fastest, holiday_country),
        add_business_days(shipped, slowest, holiday_country),
    ), "shop"
