"""``exceptions``: building the owner's exceptions queue on a large shop where 1% of parcels
need a human (carrier exceptions, stalls), against raw sqlite3 reading the same rows."""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import time

from bench.shop import build_shop, temp_settings
from shopdesk.db import close_db, init_db
from shopdesk.services.exceptions import exceptions_queue

RAW_SQL = (
    "SELECT o.id, o.number, o.dispatch_delayed_at, s.id, s.tracking_number, s.carrier, "
    "s.milestone, s.reason, s.status_text, s.last_event_at, s.watch, s.watch_since "
    "FROM orders o JOIN shipment s ON s.order_id = o.id "
    "WHERE o.attention IS NOT NULL AND o.cancelled_at IS NULL"
)


def flag_problems(path: str, orders: int) -> int:
    """Every 100th parcel gets a customs exception, every 100th (offset 50) a stall."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "UPDATE shipment SET milestone='exception', reason='customs', "
            "last_event_at='2026-01-01 10:00:00+00:00' WHERE id % 100 = 0"
        )
        conn.execute(
            "UPDATE shipment SET watch='stalled', "
            "watch_since='2026-01-02 10:00:00+00:00' WHERE id % 100 = 50"
        )
        conn.execute(
            "UPDATE orders SET attention='needs you' WHERE id IN "
            "(SELECT order_id FROM shipment WHERE id % 50 = 0)"
        )
    flagged = conn.execute("SELECT count(*) FROM orders WHERE attention IS NOT NULL").fetchone()
    conn.close()
    return flagged[0]


async def run(quick: bool = False) -> dict:
    orders = 10_000 if quick else 100_000
    repeats = 5 if quick else 15
    settings = temp_settings("exceptions")
    await init_db(settings)
    await build_shop(orders)
    path = settings.db_url.removeprefix("sqlite://")
    flagged = flag_problems(path, orders)

    service, raw = [], []
    conn = sqlite3.connect(path)
    for _ in range(repeats):
        began = time.perf_counter()
        queue = await exceptions_queue()
        service.append(time.perf_counter() - began)
        began = time.perf_counter()
        rows = conn.execute(RAW_SQL).fetchall()
        raw.append(time.perf_counter() - began)
    assert len(queue.items) == flagged == len(rows), (len(queue.items), flagged, len(rows))
    conn.close()
    await close_db()
    shutil.rmtree(settings.data_dir, ignore_errors=True)

    s, r = statistics.median(service) * 1000, statistics.median(raw) * 1000
    return {
        "benchmark": "exceptions",
        "description": f"the exceptions queue ({flagged:,} items) on a {orders:,}-order "
        f"SQLite shop, median of {repeats} runs",
        "baseline": "raw sqlite3 reading the same orders and parcels on the same file",
        "orders": orders,
        "figures": {
            "raw read (baseline)": {"value": r, "unit": "ms", "ratio": 1.0},
            "exceptions_queue()": {"value": s, "unit": "ms", "ratio": s / r},
        },
    }
