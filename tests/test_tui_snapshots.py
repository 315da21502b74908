"""Snapshots of the owner's screens and dialogs at 80x24: a fixed shop, a fixed clock. (The
queue screens and their dialogs are in test_tui_snapshots_queue.py.)"""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import DataTable

from shopdesk.config import Settings
from tests.conftest import PG_URL, reset_postgres
from tests.tui_host import settle
from tests.tui_shop import NOW, seed_shop
from tui.app import make_tui

SIZE = (80, 24)


@pytest.fixture
def shop(settings: Settings) -> Settings:
    from shopdesk.db import close_db, init_db

    async def build() -> None:
        if PG_URL:
            await reset_postgres(PG_URL)
        await init_db(settings)
        try:
            await seed_shop()
        finally:
            await close_db()

    asyncio.run(build())
    return settings


def app(settings: Settings, start: str = "orders"):
    return make_tui(settings, now=NOW, live_interval=0, start=start, open_database=True)


def run(*steps):
    async def before(pilot) -> None:
        await settle(pilot)
        for step in steps:
            if callable(step):
                await step(pilot)
            else:
                await pilot.press(step)
            await settle(pilot)

    return before


async def open_1004(pilot) -> None:
    table = pilot.app.screen.query_one(DataTable)
    table.move_cursor(row=8)  # 1012 … 1004: delivered, with a timeline
    await pilot.press("enter")


async def type_tracking(pilot) -> None:
    await pilot.press(*"1Z999AA10123456784")


def test_orders(snap_compare, shop):
    assert snap_compare(app(shop), terminal_size=SIZE, run_before=run())


def test_order_detail(snap_compare, shop):
    assert snap_compare(app(shop), terminal_size=SIZE, run_before=run(open_1004))


def test_dashboard(snap_compare, shop):
    assert snap_compare(app(shop, "dashboard"), terminal_size=SIZE, run_before=run())


def test_add_parcel_dialog_suggests_the_carrier(snap_compare, shop):
    assert snap_compare(
        app(shop), terminal_size=SIZE, run_before=run(open_1004, "a", type_tracking)
    )


def test_milestone_dialog(snap_compare, shop):
    assert snap_compare(app(shop), terminal_size=SIZE, run_before=run(open_1004, "m"))


def test_cancel_dialog(snap_compare, shop):
    assert snap_compare(app(shop), terminal_size=SIZE, run_before=run(open_1004, "c"))


def test_note_dialog(snap_compare, shop):
    assert snap_compare(app(shop), terminal_size=SIZE, run_before=run(open_1004, "e"))


def test_message_preview_dialog(snap_compare, shop):
    assert snap_compare(app(shop), terminal_size=SIZE, run_before=run(open_1004, "v"))


def test_filter_dialog(snap_compare, shop):
    assert snap_compare(app(shop), terminal_size=SIZE, run_before=run("f"))


def test_help_for_an_order(snap_compare, shop):
    assert snap_compare(app(shop), terminal_size=SIZE, run_before=run(open_1004, "f1"))


def test_command_palette_on_orders(snap_compare, shop):
    """Ctrl+P on Orders: the sections, this screen's keys and its extra commands."""
    assert snap_compare(app(shop), terminal_size=SIZE, run_before=run("ctrl+p"))
