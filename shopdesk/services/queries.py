"""Read services: one order with its full timeline, the searchable order list, counts by stage.

Everything returned is a plain frozen dataclass from :mod:`shopdesk.views`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count

from shopdesk.config import Settings
from shopdesk.errors import InvalidInput, NotFound
from shopdesk.models import Change, Order, Shipment
from shopdesk.services.common import normalise_number
from shopdesk.tracking.estimate import estimate_window
from shopdesk.views import (
    STAGES,
    ChangeView,
    EventView,
    ItemView,
    NoteView,
    OrderPage,
    OrderRow,
    OrderView,
    ShipmentView,
)

MAX_PAGE = 500
# A search the trigram index matches to at most this many orders is answered from the index;
# a commoner one by walking the orders newest first, where its first page comes soon.
INDEXED_MATCHES = 200


async def order_view(settings: Settings, number: str) -> OrderView:
    """One order, with items, shipments (each with its events, newest first) and notes.

    Raises:
        NotFound: no such order.
    """
    order = (
        await Order.get_or_none(number=normalise_number(number))
        .select_related("customer")
        .prefetch_related("items", "shipments__events", "notes")
    )
    if order is None:
        raise NotFound(f"no order {normalise_number(number)}")
    return _view(settings, order)


async def order_view_by_token(settings: Settings, token: str) -> OrderView:
    """The order behind a customer's private link.

    Raises:
        NotFound: no order has this token (a wrong, short or made-up token).
    """
    if not 20 <= len(token) <= 64:
        raise NotFound("no such order")
    order = (
        await Order.get_or_none(token=token)
        .select_related("customer")
        .prefetch_related("items", "shipments__events", "notes")
    )
    if order is None:
        raise NotFound("no such order")
    return _view(settings, order)


async def order_stamp(token: str) -> tuple[datetime, str | None]:
    """When the order behind a token last changed, and its language: one indexed lookup, for
    caches and ETags.

    Raises:
        NotFound: no order has this token.
    """
    row = (
        await Order.filter(token=token).values_list("updated_at", "locale")
        if 20 <= len(token) <= 64
        else []
    )
    if not row:
        raise NotFound("no such order")
    return row[0]


async def find_order_token(number: str, *, email: str = "", postcode: str = "") -> str | None:
    """The token of the order with this number whose email or postcode matches, else None.

    Both comparisons are case- and space-insensitive and constant-time, so a wrong guess tells
    nothing about which part was wrong.
    """
    import hmac

    try:
        cleaned = normalise_number(number)
    except InvalidInput:
        return None
    row = await Order.filter(number=cleaned).values_list(
        "token", "customer__email", "ship_postcode"
    )
    token, stored_email, stored_postcode = row[0] if row else ("", "", "")

    def same(a: str, b: str) -> bool:
        left, right = "".join(a.split()).casefold(), "".join(b.split()).casefold()
        return bool(left) and hmac.compare_digest(left.encode(), right.encode())

    ok = same(email, stored_email or "") | same(postcode, stored_postcode or "")
    return token if row and ok else None


async def order_views(settings: Settings, numbers: list[str]) -> list[OrderView]:
    """Full views of several orders, in the order of ``numbers`` (missing ones left out)."""
    orders = (
        await Order.filter(number__in=numbers)
        .select_related("customer")
        .prefetch_related("items", "shipments__events", "notes")
    )
    by_number = {o.number: o for o in orders}
    return [_view(settings, by_number[n]) for n in numbers if n in by_number]


async def order_id(number: str) -> int:
    """An order's database id (to match it against the change feed).

    Raises:
        NotFound: no such order.
    """
    ids = await Order.filter(number=normalise_number(number)).values_list("id", flat=True)
    if not ids:
        raise NotFound(f"no order {normalise_number(number)}")
    return ids[0]


async def order_token(number: str) -> str:
    """An order's public token (for its tracking page)."""
    token = await Order.filter(number=normalise_number(number)).values_list("token", flat=True)
    if not token:
        raise NotFound(f"no order {normalise_number(number)}")
    return token[0]


def _view(settings: Settings, order: Order) -> OrderView:
    customer = order.customer
    shipments = []
    for s in sorted(order.shipments, key=lambda s: s.id):
        window = estimate_window(
            settings,
            shipped_at=s.shipped_at,
            carrier=s.carrier,
            service=s.service,
            country=order.ship_country,
            carrier_estimate=(s.carrier_estimate_from, s.carrier_estimate_to),
        )
        events = sorted(s.events, key=lambda e: (e.occurred_at, e.id), reverse=True)
        shipments.append(
            ShipmentView(
                id=s.id,
                watch=s.watch,
                carrier=s.carrier,
                tracking_number=s.tracking_number,
                service=s.service,
                shipped_at=s.shipped_at,
                milestone=s.milestone,
                reason=s.reason,
                status_text=s.status_text,
                last_event_at=s.last_event_at,
                delivered_at=s.delivered_at,
                estimate=window[0] if window and s.milestone != "delivered" else None,
                estimate_source=window[1] if window and s.milestone != "delivered" else None,
                events=tuple(
                    EventView(
                        e.occurred_at,
                        e.milestone,
                        e.reason,
                        e.raw_description,
                        e.location,
                        e.source,
                    )
                    for e in events
                ),
            )
        )
    return OrderView(
        number=order.number,
        token=order.token,
        tracking_url=settings.tracking_url(order.token),
        stage=order.stage,
        attention=order.attention,
        placed_at=order.placed_at,
        currency=order.currency,
        total_minor=order.total_minor,
        customer_name=customer.name if customer else "",
        email=customer.email if customer else None,
        phone=customer.phone if customer else "",
        ship_country=order.ship_country,
        ship_postcode=order.ship_postcode,
        ship_city=order.ship_city,
        locale=order.locale,
        source=order.source,
        cancelled_at=order.cancelled_at,
        updated_at=order.updated_at,
        items=tuple(
            ItemView(i.sku, i.title, i.quantity, i.unit_price_minor)
            for i in sorted(order.items, key=lambda i: i.id)
        ),
        shipments=tuple(shipments),
        notes=tuple(
            NoteView(n.body, n.author, n.created_at)
            for n in sorted(order.notes, key=lambda n: n.id)
        ),
    )


async def list_orders(
    *,
    search: str | None = None,
    stage: str | None = None,
    carrier: str | None = None,
    attention: bool | None = None,
    after: str | None = None,
    limit: int = 50,
    oldest_first: bool = False,
    ids: Collection[int] | None = None,
) -> OrderPage:
    """A page of orders, newest first (or oldest first).

    Args:
        search: part of an order number, customer name, email or tracking number.
        stage: only orders at this stage.
        carrier: only orders with a shipment by this carrier (case-insensitive).
        attention: True for orders that need the owner, False for those that don't.
        after: the ``next_cursor`` of the previous page.
        limit: rows per page, 1-500.
        oldest_first: sort by when the order was placed, oldest first.
        ids: only these orders (a live view refreshing the rows that changed).

    Raises:
        InvalidInput: unknown stage, bad cursor or limit.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be 1-{MAX_PAGE}")
    query = Order.all()
    if search and search.strip():
        term = search.strip().casefold().removeprefix("#")
        query = query.filter(search_text__contains=term)
        candidates = await _search_candidates(term)
        if candidates is not None:
            query = query.filter(id__in=candidates)
    if stage:
        if stage not in STAGES:
            raise InvalidInput(f"unknown stage {stage!r}; one of: {', '.join(STAGES)}")
        query = query.filter(stage=stage)
    if carrier:
        carried = Shipment.filter(carrier__iexact=carrier.strip()).values_list(
            "order_id", flat=True
        )
        query = query.filter(id__in=Subquery(carried))
    if attention is not None:
        query = query.filter(attention__isnull=not attention)
    if ids is not None:
        query = query.filter(id__in=list(ids))
    if after:
        placed_at, last_id = _decode_cursor(after)
        query = query.filter(
            Q(placed_at__gt=placed_at) | Q(placed_at=placed_at, id__gt=last_id)
            if oldest_first
            else Q(placed_at__lt=placed_at) | Q(placed_at=placed_at, id__lt=last_id)
        )
    order = ("placed_at", "id") if oldest_first else ("-placed_at", "-id")
    rows = (
        await query.order_by(*order)
        .limit(limit + 1)
        .values_list(
            "id",
            "number",
            "placed_at",
            "stage",
            "attention",
            "customer__name",
            "customer__email",
            "ship_country",
            "total_minor",
            "currency",
        )
    )
    page = [OrderRow(r[0], r[1], r[2], r[3], r[4], r[5] or "", r[6], *r[7:]) for r in rows]
    more = len(page) > limit
    page = page[:limit]
    cursor = f"{page[-1].placed_at.isoformat()}~{page[-1].id}" if more else None
    return OrderPage(tuple(page), cursor)


async def _search_candidates(term: str) -> list[int] | None:
    """On SQLite, the ids of the few orders whose search text may contain ``term``, from the
    trigram index (``order_search``), or None when a scan is the faster way: a term shorter
    than a trigram, or one so common that the newest matches are found at once by walking the
    orders newest first. The caller still applies the exact LIKE, so results equal a scan's.

    PostgreSQL needs none of this: its planner picks the pg_trgm index on its own.
    """
    from tortoise import connections

    conn = connections.get("default")
    if len(term) < 3 or conn.capabilities.dialect != "sqlite":
        return None
    phrase = '"' + term.replace('"', '""') + '"'
    try:
        _, rows = await conn.execute_query(
            "SELECT rowid FROM order_search WHERE order_search MATCH ? LIMIT ?",
            [phrase, INDEXED_MATCHES + 1],
        )
    except Exception as exc:  # a database not yet migrated to the search index
        if "no such table" in str(exc):
            return None
        raise
    if len(rows) > INDEXED_MATCHES:
        return None
    return [row[0] for row in rows]


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        placed_at, last_id = cursor.rsplit("~", 1)
        return datetime.fromisoformat(placed_at), int(last_id)
    except ValueError:
        raise InvalidInput("the page cursor is not one this shop gave out") from None


async def count_by_stage() -> dict[str, int]:
    """How many orders are at each stage (every stage present, zeros included)."""
    rows = await Order.annotate(n=Count("id")).group_by("stage").values_list("stage", "n")
    counts = dict.fromkeys(STAGES, 0)
    counts.update(dict(rows))
    return counts


async def changes_since(after_id: int = 0, limit: int = 1000) -> list[ChangeView]:
    """Change-feed rows after ``after_id``, oldest first: poll with the last id you saw."""
    rows = (
        await Change.filter(id__gt=after_id)
        .order_by("id")
        .limit(limit)
        .values_list("id", "order_id", "kind", "at")
    )
    return [ChangeView(*row) for row in rows]


async def last_change_id() -> int:
    """The newest change-feed id (0 when empty): where a new follower starts."""
    ids = await Change.all().order_by("-id").limit(1).values_list("id", flat=True)
    return ids[0] if ids else 0
