"""The order search index: it survives every migration, and a search through it finds exactly
what a plain scan of ``orders.search_text`` finds, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import connections

from bench.shop import build_shop
from shopdesk.models import Order
from shopdesk.services.orders import NewOrder, create_order
from shopdesk.services.queries import INDEXED_MATCHES, list_orders
from shopdesk.services.shipments import add_shipment

TERMS = (
    "",  # everything
    "10",  # shorter than a trigram: scanned
    "100017",  # one order by number
    "customer12",  # a handful (customer12, customer120-129)
    "example.com",  # every order: more than the index answers
    "jansen",  # a surname shared by a few dozen
    "müller",  # non-ASCII
    "MÜLLER",  # typed in capitals
    "bench0000000042",  # a tracking number
    "zz9plural",  # the tracking number added after the shop was built
    'o"brien',  # a double quote (the index's query syntax)
    "50%_off",  # LIKE's wildcards, taken literally
    "nothing-matches",
)


async def _plain_scan(term: str) -> list[int]:
    needle = term.strip().casefold()
    rows = await Order.all().order_by("-placed_at", "-id").values_list("id", "search_text")
    return [i for i, text in rows if needle in text]


async def _sqlite_objects() -> set[str]:
    _, rows = await connections.get("default").execute_query(
        "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index', 'table')"
    )
    return {row[0] for row in rows}


async def _postgres_indexes() -> set[str]:
    _, rows = await connections.get("default").execute_query(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'orders'"
    )
    return {row[0] for row in rows}


def _is_sqlite() -> bool:
    return connections.get("default").capabilities.dialect == "sqlite"


async def test_the_index_survives_every_migration(db):
    # Rebuilding ``orders`` (as Tortoise does on SQLite to alter a column) drops its triggers
    # and indexes without a word: a later migration that does so must recreate them.
    if _is_sqlite():
        names = await _sqlite_objects()
        assert {
            "order_search",
            "orders_search_insert",
            "orders_search_delete",
            "orders_search_update",
        } <= names
        assert {"orders_attention_placed", "orders_placed_search"} <= names
        # Statistics on the index's near-empty shadow tables slow every insert a hundredfold.
        if "sqlite_stat1" in names:
            _, rows = await connections.get("default").execute_query(
                "SELECT tbl FROM sqlite_stat1 WHERE tbl LIKE 'order_search%'"
            )
            assert not rows
    else:
        names = await _postgres_indexes()
        assert {"orders_search_trgm", "orders_attention_placed", "orders_placed_search"} <= names


async def test_search_finds_what_a_scan_finds(db):
    await build_shop(250)
    now = datetime.now(UTC)
    await create_order(
        NewOrder(
            number="9001",
            placed_at=now,
            currency="EUR",
            name='Siobhán O"Brien',
            email="ob@example.com",
        )
    )
    await create_order(
        NewOrder(
            number="9002",
            placed_at=now,
            currency="EUR",
            name="50%_off Ltd",
            email="deal@example.com",
        )
    )
    await add_shipment("100003", "ZZ9PLURAL", carrier="DHL")  # search_text updated in place
    await Order.filter(number="100017").delete()  # gone from the index too
    await Order.filter(number="100018").update(search_text="100018 renamed")

    for term in (*TERMS, "100018 renamed", "customer18"):
        found = [r.id for r in (await list_orders(search=term, limit=500)).rows]
        assert found == await _plain_scan(term), term
    assert len(await _plain_scan("example.com")) > INDEXED_MATCHES  # the scan path ran too
    assert 0 < len(await _plain_scan("jansen")) <= INDEXED_MATCHES  # and the index path


async def test_the_attention_filter_uses_its_partial_index(db):
    if not _is_sqlite():
        return
    sql = Order.filter(attention__isnull=False).order_by("-placed_at", "-id").limit(51).sql()
    _, plan = await connections.get("default").execute_query(f"EXPLAIN QUERY PLAN {sql}", [51])
    assert any("orders_attention_placed" in row[3] for row in plan), plan
