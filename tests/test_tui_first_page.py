"""``shopdesk tui`` paints the newest orders before the ORM is loaded: the page read with plain
sqlite3 equals the service's, the change feed is followed from the same read, and anything but
an up-to-date SQLite database takes the usual path."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from textual.widgets import DataTable

from shopdesk.config import Settings
from shopdesk.db import close_db, init_db
from shopdesk.services import orders, queries
from shopdesk.services.first_page import read_first_page
from shopdesk.services.orders import NewItem, NewOrder
from tests.conftest import PG_URL
from tests.tui_shop import NOW, seed_shop
from tui.app import make_tui
from tui.screens.orders import PAGE, OrdersScreen

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="the first page is read from SQLite only")


def shown(app) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


@sqlite_only
async def test_the_first_page_is_the_services_first_page(db: Settings):
    await seed_shop(PAGE + 7)
    first = read_first_page(db, PAGE)
    assert first is not None
    assert first.page == await queries.list_orders(limit=PAGE)
    assert first.change_id == await queries.last_change_id() > 0
    # Its cursor pages on through the service.
    rest = await queries.list_orders(after=first.page.next_cursor, limit=PAGE)
    assert [r.number for r in rest.rows] == [str(1001 + i) for i in reversed(range(7))]


async def test_no_first_page_without_an_up_to_date_sqlite_database(db: Settings, tmp_path):
    if PG_URL:
        assert read_first_page(db, PAGE) is None
        return
    assert read_first_page(Settings(data_dir=tmp_path / "nowhere"), PAGE) is None
    path = db.db_url.removeprefix("sqlite://")
    await close_db()
    with sqlite3.connect(path) as conn:  # as if this shopdesk were newer than the database
        conn.execute("DELETE FROM tortoise_migrations WHERE name = '0008_search_index'")
    assert read_first_page(db, PAGE) is None
    await init_db(db)  # the usual path brings the schema up to date, as before
    assert read_first_page(db, PAGE) is not None


@sqlite_only
async def test_the_tui_shows_the_page_then_opens_the_database_and_misses_no_change(
    db: Settings,
):
    numbers = await seed_shop(12)
    first = read_first_page(db, PAGE)
    # A change lands between the read and the ORM opening the database.
    await orders.add_note(numbers[3], "changed after the first read")
    changed_id = await queries.order_id(numbers[3])
    await close_db()

    app = make_tui(db, now=NOW, live_interval=0, open_database=True, first_page=first)
    async with app.run_test(size=(100, 32)) as pilot:
        assert isinstance(app.screen, OrdersScreen)
        assert shown(app) == numbers  # in the first frame: no query has run
        await app.database_ready.wait()
        posted = await app.feed.poll()
        assert posted is not None and changed_id in posted.order_ids
        await pilot.press("slash", *"hopper")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert shown(app) == ["1002"]  # Grace Hopper
    await init_db(db)  # for the fixture to close


async def test_names_with_brackets_show_as_typed(db: Settings):
    names = ["[/]", "[b]Bold[/b] Ltd", "Anna [red"]
    await orders.create_orders(
        [
            NewOrder(
                number=str(2001 + i),
                placed_at=NOW - timedelta(hours=i),
                currency="EUR",
                items=[NewItem("Mug", 1, 1800, "MUG-01")],
                email=f"b{i}@example.com",
                name=name,
            )
            for i, name in enumerate(names)
        ]
    )
    app = make_tui(db, now=NOW, live_interval=0)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert [str(table.get_row_at(i)[3]) for i in range(table.row_count)] == names
        # And on screen, not only in the table's data (the screenshot escapes spaces).
        screen_text = app.export_screenshot().replace("&#160;", " ")
        assert "[b]Bold[/b] Ltd" in screen_text and "Anna [red" in screen_text
