"""Snapshots of the queue screens (Exceptions, Returns, Notifications) in the real app at 80x24,
and of every dialog they open: refund, reject, exchange, milestone, note, add a parcel,
dismiss-with-note, test message. A fixed shop (tests/queue_seed.py) and a fixed clock."""

from __future__ import annotations

import asyncio

import pytest

from shopdesk.config import Settings
from tests.conftest import PG_URL, reset_postgres
from tests.queue_seed import BASE, queue_settings, seed_queue
from tests.tui_host import settle
from tui.app import make_tui

SIZE = (80, 24)


@pytest.fixture
def shop(settings: Settings, tmp_path) -> Settings:
    from shopdesk.db import close_db, init_db

    settings = queue_settings(settings)

    async def build() -> None:
        if PG_URL:
            await reset_postgres(PG_URL)
        await init_db(settings)
        try:
            await seed_queue(settings, tmp_path)
        finally:
            await close_db()

    asyncio.run(build())
    return settings


def app(settings: Settings, start: str):
    return make_tui(settings, now=BASE, live_interval=0, start=start, open_database=True)


def on(kind: str, *keys: str):
    """Put the cursor on the first row of ``kind`` (an exception kind or a return status),
    then press ``keys``, settling after each."""

    async def before(pilot) -> None:
        await settle(pilot)
        screen = pilot.app.screen
        if kind:
            if hasattr(screen, "items"):
                key = next(k for k, i in screen.items.items() if i.kind == kind)
            else:
                key = next(k for k, r in screen.rows.items() if r.status == kind)
            screen.table.move_cursor(row=screen.table.get_row_index(key))
            await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return before


@pytest.mark.parametrize("section", ["exceptions", "returns", "notifications"])
def test_screen(snap_compare, shop, section):
    assert snap_compare(app(shop, section), terminal_size=SIZE, run_before=on(""))


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("exception", "k"),  # record a milestone
        ("exception", "t"),  # add a note
        ("dispatch_delayed", "p"),  # add a parcel
        ("return_requested", "j"),  # reject
        ("return_received", "m"),  # refund
        ("return_received", "e"),  # exchange
        ("stalled", "delete"),  # dismiss with a note
    ],
)
def test_exceptions_dialog(snap_compare, shop, kind, key):
    assert snap_compare(app(shop, "exceptions"), terminal_size=SIZE, run_before=on(kind, key))


@pytest.mark.parametrize(
    ("status", "key"),
    [("received", "m"), ("received", "c"), ("requested", "j"), ("received", "e")],
)
def test_returns_dialog(snap_compare, shop, status, key):
    assert snap_compare(app(shop, "returns"), terminal_size=SIZE, run_before=on(status, key))


def test_notifications_test_message_dialog(snap_compare, shop):
    assert snap_compare(app(shop, "notifications"), terminal_size=SIZE, run_before=on("", "t"))


def test_help_for_the_returns(snap_compare, shop):
    assert snap_compare(app(shop, "returns"), terminal_size=SIZE, run_before=on("", "f1"))
