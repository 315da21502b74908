"""The newest page of orders read with plain sqlite3, before the ORM is even imported.

``shopdesk tui`` shows this page while Tortoise loads and opens the database in the
background, so the owner sees their orders at once. The change-feed position is read in the
same read transaction as the page: every change after it is one the page does not show, so
following the feed from there misses nothing.

Only for SQLite with every migration applied; anything else (PostgreSQL, an older or newer
schema, a file that cannot be opened read-only) returns None and the TUI takes its usual path.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from shopdesk.config import Settings
from shopdesk.views import OrderPage, OrderRow

# The same columns, join and order as services.queries.list_orders with no filter.
PAGE_SQL = """
SELECT o.id, o.number, o.placed_at, o.stage, o.attention, c.name, c.email, o.ship_country,
       o.total_minor, o.currency
FROM orders o LEFT JOIN customer c ON c.id = o.customer_id
ORDER BY o.placed_at DESC, o.id DESC
LIMIT ?
"""


@dataclass(frozen=True, slots=True)
class FirstPage:
    page: OrderPage
    change_id: int  # the newest change-feed row when the page was read


def read_first_page(settings: Settings, limit: int) -> FirstPage | None:
    """The newest ``limit`` orders and the change-feed position, or None (see module doc)."""
    from shopdesk.db import _migration_names

    url = settings.db_url
    if not url.startswith("sqlite://"):
        return None
    path = Path(url.removeprefix("sqlite://"))
    if not path.is_file():
        return None  # a new shop: the normal path creates the database
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        conn.execute("BEGIN")  # one snapshot for the page and the feed position
        applied = {
            r[0] for r in conn.execute("SELECT name FROM tortoise_migrations WHERE app = 'models'")
        }
        if applied != _migration_names():
            return None
        rows = conn.execute(PAGE_SQL, (limit + 1,)).fetchall()
        change_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM change").fetchone()[0]
        conn.execute("COMMIT")
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    page = [
        OrderRow(r[0], r[1], datetime.fromisoformat(r[2]), r[3], r[4], r[5] or "", r[6], *r[7:])
        for r in rows[:limit]
    ]
    cursor = f"{page[-1].placed_at.isoformat()}~{page[-1].id}" if len(rows) > limit else None
    return FirstPage(OrderPage(tuple(page), cursor), change_id)
