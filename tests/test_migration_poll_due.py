"""Migration 0007: when a parcel is next polled moves from ``shipment_poll.next_at`` to the
indexed ``shipment.next_poll_at``, on a database that already holds planned polls."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

from shopdesk.db import close_db, init_db, tortoise_config
from shopdesk.models import Order, Shipment, ShipmentPoll
from tests.conftest import PG_URL, reset_postgres

T = "2026-11-20 06:00:00+00:00"
DUE = "2026-11-21 09:30:00+00:00"

# Three parcels of one order at 0006: a planned poll, one never polled yet, one delivered.
ROWS_AT_0006 = [
    "INSERT INTO orders (id, number, token, source, placed_at, currency, total_minor,"
    " ship_country, ship_postcode, ship_city, stage, cancel_reason, search_text, updated_at)"
    f" VALUES (1, '1001', 'tok', 'manual', '{T}', 'EUR', 0, 'DE', '', '', 'shipped', '', '',"
    f" '{T}')",
    "INSERT INTO shipment (id, order_id, carrier, tracking_number, service, milestone,"
    f" status_text, created_at) VALUES (1, 1, 'USPS', 'PLANNED1', '', 'in_transit', '', '{T}')",
    "INSERT INTO shipment (id, order_id, carrier, tracking_number, service, milestone,"
    f" status_text, created_at) VALUES (2, 1, 'USPS', 'NEVER2', '', 'label_created', '', '{T}')",
    "INSERT INTO shipment (id, order_id, carrier, tracking_number, service, milestone,"
    f" status_text, created_at) VALUES (3, 1, 'USPS', 'DONE3', '', 'delivered', '', '{T}')",
    "INSERT INTO shipment_poll (id, shipment_id, next_at, last_at, outcome, misses)"
    f" VALUES (1, 1, '{DUE}', '{T}', 'found', 0)",
]


async def test_planned_polls_are_copied_to_the_shipment(settings):
    if PG_URL:
        await reset_postgres(PG_URL)
    else:
        settings.data_dir.mkdir(parents=True)
    config = tortoise_config(settings.db_url)
    await migrate(config=config, target="models.0006_carrier_polling")
    await Tortoise.init(config=config)
    for sql in ROWS_AT_0006:
        await connections.get("default").execute_script(sql)
    await Tortoise.close_connections()

    await init_db(settings)  # what every command does on start: brings the schema up to date
    try:
        plans = dict(await Shipment.all().values_list("tracking_number", "next_poll_at"))
        assert plans == {
            "PLANNED1": datetime(2026, 11, 21, 9, 30, tzinfo=UTC),  # copied
            "NEVER2": datetime(2026, 11, 20, 6, 0, tzinfo=UTC),  # due since it was added
            "DONE3": None,  # delivered and never polled: nothing to plan
        }
        poll = await ShipmentPoll.get(shipment_id=1)
        assert (poll.last_at, poll.outcome) == (datetime(2026, 11, 20, 6, tzinfo=UTC), "found")
        assert await Order.get(number="1001").values_list("source_updated_at", flat=True) is None
        if PG_URL:
            sql = "SELECT indexname FROM pg_indexes WHERE tablename = 'shipment'"
        else:
            sql = "SELECT name AS indexname FROM sqlite_master WHERE tbl_name = 'shipment'"
        rows = await connections.get("default").execute_query_dict(sql)
        assert "idx_shipment_next_poll_at" in {r["indexname"] for r in rows}
    finally:
        await close_db()
