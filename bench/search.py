"""``search``: ``orders list --search`` latency (the service behind it) on a large shop,
against the same query run with raw sqlite3 on the same file."""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import time

from bench.shop import build_shop, temp_settings
from shopdesk.db import close_db, init_db
from shopdesk.services.queries import list_orders

TERMS = ("100042", "müller", "customer77", "bench0000031337", "jansen", "nothing-matches")
RAW_SQL = (
    "SELECT o.id, o.number, o.placed_at, o.stage, o.attention, c.name, c.email, o.ship_country, "
    "o.total_minor, o.currency FROM orders o LEFT JOIN customer c ON c.id = o.customer_id "
    "WHERE o.search_text LIKE ? ESCAPE '\\' ORDER BY o.placed_at DESC, o.id DESC LIMIT 51"
)


async def run(quick: bool = False) -> dict:
    orders = 10_000 if quick else 100_000
    repeats = 5 if quick else 15
    settings = temp_settings("search")
    await init_db(settings)
    await build_shop(orders)

    service: dict[str, list[float]] = {t: [] for t in TERMS}
    raw: dict[str, list[float]] = {t: [] for t in TERMS}
    conn = sqlite3.connect(settings.db_url.removeprefix("sqlite://"))
    for _ in range(repeats):
        for term in TERMS:
            began = time.perf_counter()
            page = await list_orders(search=term, limit=50)
            service[term].append(time.perf_counter() - began)
            began = time.perf_counter()
            rows = conn.execute(RAW_SQL, (f"%{term}%",)).fetchall()
            raw[term].append(time.perf_counter() - began)
            assert len(rows[:50]) == len(page.rows), term
    conn.close()
    await close_db()
    shutil.rmtree(settings.data_dir, ignore_errors=True)

    figures = {}
    for term in TERMS:
        s, r = statistics.median(service[term]) * 1000, statistics.median(raw[term]) * 1000
        figures[f"raw '{term}' (baseline)"] = {"value": r, "unit": "ms", "ratio": 1.0}
        figures[f"service '{term}'"] = {"value": s, "unit": "ms", "ratio": s / r}
    all_s = statistics.median(x for v in service.values() for x in v) * 1000
    all_r = statistics.median(x for v in raw.values() for x in v) * 1000
    figures["service, all terms (median)"] = {"value": all_s, "unit": "ms", "ratio": all_s / all_r}
    return {
        "benchmark": "search",
        "description": f"order search on a {orders:,}-order SQLite shop, first page of 50, "
        f"median of {repeats} runs per term",
        "baseline": "the same SELECT run with the stdlib sqlite3 module on the same file",
        "orders": orders,
        "figures": figures,
    }
