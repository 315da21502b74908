"""What a webhook body asks shopdesk to do, source-independent: orders to create or cancel,
parcels to add, tracking events to record. Parsers build a :class:`Work`; the inbox carries
it out through the services."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from shopdesk.errors import InvalidInput
from shopdesk.services.orders import NewOrder
from shopdesk.services.shipments import NewEvent


class Malformed(InvalidInput):
    """The body cannot be read as the source's format; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class NewParcel:
    """A parcel to add to an order, found by number or by the shop's own order id."""

    order_number: str | None
    tracking_number: str
    carrier: str | None = None
    service: str = ""
    shipped_at: datetime | None = None
    external_order: tuple[tuple[str, ...], str] | None = None  # (sources, shop's order id)
    external_id: str | None = None  # the shop's fulfillment id: a later version corrects it
    updated_at: datetime | None = None  # the shop's version of the fulfillment


@dataclass(slots=True)
class Work:
    orders: list[NewOrder] = field(default_factory=list)  # created, or updated when known
    versions: dict[str, datetime] = field(default_factory=dict)  # number -> shop's updated_at
    notes: dict[str, str] = field(default_factory=dict)  # number -> the shop's order note
    reopens: list[str] = field(default_factory=list)  # orders the shop took back up
    cancels: list[tuple[str, str]] = field(default_factory=list)  # (order number, reason)
    parcels: list[NewParcel] = field(default_factory=list)
    events: list[NewEvent] = field(default_factory=list)
    ignored: str = ""  # why there is nothing to do (an unhandled topic), if so

    @property
    def events_only(self) -> bool:
        return not (self.orders or self.cancels or self.parcels or self.reopens)


def load_json(body: str) -> Any:
    """The body as JSON.

    Raises:
        Malformed: not JSON.
    """
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise Malformed(f"the body is not valid JSON: {exc}") from None


def obj(value: Any, what: str) -> dict[str, Any]:
    """``value`` if it is a JSON object.

    Raises:
        Malformed: it is not.
    """
    if not isinstance(value, dict):
        raise Malformed(f"{what} must be a JSON object, got {type(value).__name__}")
    return value


def items(value: Any, what: str) -> list[dict[str, Any]]:
    """The objects in a JSON list (null counts as empty).

    Raises:
        Malformed: not a list of objects.
    """
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed(f"{what} must be a list, got {type(value).__name__}")
    return [obj(v, f"each of {what}") for v in value]


def text(value: Any, limit: int = 500) -> str:
    """A JSON value as trimmed text ('' for null), cut to ``limit`` characters."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()[:limit]


def moment(value: Any, what: str) -> datetime:
    """An ISO 8601 time (``Z`` allowed) or Unix seconds; a time without a zone is UTC.

    Raises:
        Malformed: missing or unreadable.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise Malformed(f"{what} {value!r} is not a time") from None
    raw = text(value, 64)
    if raw.isdigit():
        return moment(int(raw), what)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise Malformed(f"{what} {raw!r} is not an ISO 8601 time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def day(value: Any) -> date | None:
    """The date part of an ISO 8601 date or time, or None when absent or unreadable."""
    raw = text(value, 64)
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None
