"""What a customer's tracking page shows, read with two hand-written queries.

The tracking page is the portal's hot path: every packing-slip scan and notification link
lands on it. Through the ORM it took six or seven queries and ~4 ms of Python; here the order,
its customer and its items come in one query and its parcels with their scans in a second
(skipped for an order with no parcel), in SQL that SQLite and PostgreSQL both run. Returns
cost a query only for an order that has some.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise import connections

from shopdesk.config import Settings
from shopdesk.errors import NotFound
from shopdesk.services.rawsql import to_date, to_datetime
from shopdesk.services.returns import build_options, return_window, taken_items
from shopdesk.tracking.estimate import estimate_window
from shopdesk.views import EventView, ItemView, OrderView, ShipmentView

ORDER_SQL = """
SELECT o.id, o.number, o.token, o.stage, o.attention, o.placed_at, o.currency, o.total_minor,
       o.ship_country, o.ship_postcode, o.ship_city, o.locale, o.source, o.cancelled_at,
       o.updated_at, c.name, c.email, c.phone,
       (SELECT COUNT(*) FROM shipment s WHERE s.order_id = o.id),
       (SELECT COUNT(*) FROM order_return r WHERE r.order_id = o.id),
       i.id, i.sku, i.title, i.quantity, i.unit_price_minor
FROM orders o
LEFT JOIN customer c ON c.id = o.customer_id
LEFT JOIN order_item i ON i.order_id = o.id
WHERE o.token = ?
ORDER BY i.id
"""

PARCELS_SQL = """
SELECT s.id, s.watch, s.carrier, s.tracking_number, s.service, s.shipped_at, s.milestone,
       s.reason, s.status_text, s.last_event_at, s.delivered_at, s.carrier_estimate_from,
       s.carrier_estimate_to,
       e.id, e.occurred_at, e.milestone, e.reason, e.raw_description, e.location, e.source
FROM shipment s
LEFT JOIN tracking_event e ON e.shipment_id = s.id
WHERE s.order_id = ?
ORDER BY s.id
"""

RETURNS_SQL = "SELECT rma, token, status FROM order_return WHERE order_id = ? ORDER BY id"


@dataclass(frozen=True, slots=True)
class ReturnLink:
    rma: str
    token: str
    status: str


@dataclass(frozen=True, slots=True)
class CustomerView:
    """The order as its tracking page shows it (notes are the owner's: never read here)."""

    order_id: int
    order: OrderView
    returns: tuple[ReturnLink, ...]
    returns_open: bool  # the customer may start a return now


async def customer_view(
    settings: Settings, token: str, now: datetime | None = None
) -> CustomerView:
    """The order behind a customer's private link, with its parcels, scans and returns.

    Raises:
        NotFound: no order has this token (a wrong, short or made-up token).
    """
    if not 20 <= len(token) <= 64:
        raise NotFound("no such order")
    rows = await _fetch(ORDER_SQL, token)
    if not rows:
        raise NotFound("no such order")
    o = rows[0]
    order_id, country = o[0], o[8]
    items = [(r[20], r[21], r[22], r[23], r[24]) for r in rows if r[20] is not None]
    shipments = _shipments(settings, await _fetch(PARCELS_SQL, order_id), country) if o[18] else ()
    returns = tuple(ReturnLink(*r) for r in await _fetch(RETURNS_SQL, order_id)) if o[19] else ()
    order = OrderView(
        number=o[1],
        token=o[2],
        tracking_url=settings.tracking_url(o[2]),
        stage=o[3],
        attention=o[4],
        placed_at=to_datetime(o[5]),
        currency=o[6],
        total_minor=o[7],
        customer_name=o[15] or "",
        email=o[16],
        phone=o[17] or "",
        ship_country=country,
        ship_postcode=o[9],
        ship_city=o[10],
        locale=o[11],
        source=o[12],
        cancelled_at=to_datetime(o[13]),
        updated_at=to_datetime(o[14]),
        items=tuple(
            ItemView(sku, title, quantity, price) for _, sku, title, quantity, price in items
        ),
        shipments=shipments,
        notes=(),
    )
    return CustomerView(
        order_id,
        order,
        returns,
        await _returns_open(
            settings, order, order_id, items, bool(returns), now or datetime.now(UTC)
        ),
    )


async def _returns_open(
    settings: Settings,
    order: OrderView,
    order_id: int,
    items: list[tuple[int, str, str, int, int]],
    has_returns: bool,
    now: datetime,
) -> bool:
    delivered = [s.delivered_at for s in order.shipments if s.delivered_at is not None]
    if not delivered:
        return False
    window = return_window(
        settings,
        order.number,
        cancelled=order.cancelled_at is not None,
        delivered_at=max(delivered),
        now=now,
    )
    if window[0]:
        return False
    taken = await taken_items(order_id) if has_returns else {}
    return build_options(settings, order.number, order.currency, window, items, taken).allowed


def _shipments(settings: Settings, rows: list[Any], country: str) -> tuple[ShipmentView, ...]:
    parcels: dict[int, Any] = {}
    events: dict[int, list[tuple[datetime, int, EventView]]] = {}
    for r in rows:
        if r[0] not in parcels:
            parcels[r[0]], events[r[0]] = r, []
        if r[13] is not None:
            at = to_datetime(r[14])
            events[r[0]].append((at, r[13], EventView(at, r[15], r[16], r[17], r[18], r[19])))
    views = []
    for shipment_id, s in parcels.items():
        milestone, shipped_at = s[6], to_datetime(s[5])
        window = (
            None
            if milestone == "delivered"
            else estimate_window(
                settings,
                shipped_at=shipped_at,
                carrier=s[2],
                service=s[4],
                country=country,
                carrier_estimate=(to_date(s[11]), to_date(s[12])),
            )
        )
        scans = sorted(events[shipment_id], key=lambda e: (e[0], e[1]), reverse=True)
        views.append(
            ShipmentView(
                id=shipment_id,
                watch=s[1],
                carrier=s[2],
                tracking_number=s[3],
                service=s[4],
                shipped_at=shipped_at,
                milestone=milestone,
                reason=s[7],
                status_text=s[8],
                last_event_at=to_datetime(s[9]),
                delivered_at=to_datetime(s[10]),
                estimate=window[0] if window else None,
                estimate_source=window[1] if window else None,
                events=tuple(view for _, _, view in scans),
            )
        )
    return tuple(views)


async def _fetch(sql: str, value: object) -> list[Any]:
    """Rows of one single-parameter query, with the placeholder this database wants."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        sql = sql.replace("?", "$1")
    _, rows = await conn.execute_query(sql, [value])
    return list(rows)
