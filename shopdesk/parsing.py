"""Parsing the values people and spreadsheets write: times and money."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from shopdesk.errors import InvalidInput

# ISO 4217 currencies whose minor unit is not 1/100.
_EXPONENTS = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M %z",
    "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)


def parse_time(text: str, zone: ZoneInfo, *, now: datetime | None = None) -> datetime:
    """A point in time from ``now``, ISO 8601 or Shopify's ``2025-05-11 09:55:16 -0400``.

    A time without a zone is read in ``zone`` (the shop's); a bare date means midnight there.

    Raises:
        InvalidInput: the text is not a time this function understands.
    """
    value = text.strip()
    if value.lower() == "now":
        return now or datetime.now(UTC)
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(
            value.replace("Z", "+00:00") if value.endswith("Z") else value
        )
    except ValueError:
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise InvalidInput(
            f"{text!r} is not a date and time such as 2026-11-27T14:30 or 2026-11-27 14:30:00 +0100"
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def to_minor(amount: str, currency: str) -> int:
    """Major units as written (``12.50``) to integer minor units (``1250``) of ``currency``.

    Raises:
        InvalidInput: not a plain non-negative number, or more decimals than the currency has.
    """
    text = (
        amount.strip().replace(",", ".")
        if amount.count(",") == 1 and "." not in amount
        else amount.strip().replace(",", "")
    )
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"price {amount!r} is not a number") from None
    if not value.is_finite():
        raise InvalidInput(f"price {amount!r} is not a number")
    if value < 0:
        raise InvalidInput(f"price {amount!r} is negative")
    exponent = minor_exponent(currency)
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise InvalidInput(f"price {amount!r} has more decimals than {currency} allows")
    if minor > 10**12:
        raise InvalidInput(f"price {amount!r} is implausibly large")
    return int(minor)


def minor_exponent(currency: str) -> int:
    """Decimal places of a currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD)."""
    return _EXPONENTS.get(currency.upper(), 2)


def format_money(minor: int, currency: str) -> str:
    exponent = minor_exponent(currency)
    return f"{minor / 10**exponent:,.{exponent}f} {currency}"


def ago(moment: datetime, now: datetime) -> str:
    """``3 hours ago`` style text for the CLI."""
    delta: timedelta = now - moment
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return "in the future"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"
