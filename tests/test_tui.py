"""The owner's TUI driven by Textual's Pilot against a real database: screens, actions, live
updates, the palette and remapped keys."""

from __future__ import annotations

import io
import os
from dataclasses import replace

import pytest
from rich.console import Console
from textual.widgets import DataTable, Input

from shopdesk.config import Settings
from shopdesk.errors import ConfigError
from shopdesk.models import Notification, Order
from shopdesk.services import orders, queries
from tests.conftest import PG_URL
from tests.tui_shop import NOW, seed_shop
from tui.app import make_tui
from tui.dialogs.filters import FilterDialog
from tui.dialogs.message import MessageDialog
from tui.dialogs.shipment import ShipmentDialog
from tui.help import HelpScreen
from tui.messages import DataChanged
from tui.screens.dashboard import DashboardScreen
from tui.screens.order import OrderScreen
from tui.screens.orders import CHANGED, NEW, PAGE, OrdersScreen

SIZE = (100, 32)


@pytest.fixture
async def shop(db: Settings) -> list[str]:
    return await seed_shop()


def app_for(settings: Settings, **kwargs):
    return make_tui(settings, now=NOW, live_interval=0, **kwargs)


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text_of(widget) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text().strip()


def numbers_shown(screen: OrdersScreen) -> list[str]:
    table = screen.query_one(DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def open_order(pilot, number: str) -> OrderScreen:
    screen = pilot.app.screen
    assert isinstance(screen, OrdersScreen)
    table = screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(str(await queries.order_id(number))))
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, OrderScreen)
    return pilot.app.screen


async def test_orders_page_from_the_database_and_load_more_on_scroll(db):
    await seed_shop(130)
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        shown = numbers_shown(screen)
        assert len(shown) == PAGE  # one page, not the shop
        assert shown[:3] == ["1130", "1129", "1128"]
        await pilot.press("end")  # to the last row: the next page arrives
        await settle(pilot)
        assert len(numbers_shown(screen)) == 2 * PAGE
        await pilot.press("end")
        await settle(pilot)
        assert len(numbers_shown(screen)) == 130
        assert numbers_shown(screen)[-1] == "1001"
        assert "130 orders shown" in text_of(screen.query_one("#status"))


async def test_search_as_you_type_filters_and_sort(shop, db):
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"hopper")
        await settle(pilot)
        assert numbers_shown(screen) == ["1002"]
        await pilot.press("ctrl+a", "ctrl+k", *"003404341612340000")  # a tracking number
        await settle(pilot)
        assert set(numbers_shown(screen)) == {str(1001 + i) for i in range(6)}
        await pilot.press("escape")  # clears search and filters
        await settle(pilot)
        assert len(numbers_shown(screen)) == 12
        await pilot.press("t")  # oldest first
        await settle(pilot)
        assert numbers_shown(screen)[:2] == ["1001", "1002"]
        await pilot.press("f")
        assert isinstance(app.screen, FilterDialog)
        app.screen.query_one("#carrier", Input).value = "dhl"
        await pilot.click("#ok")
        await settle(pilot)
        assert set(numbers_shown(screen)) == {str(1001 + i) for i in range(6)}
        assert "carrier: dhl" in text_of(screen.query_one("#filters"))


def footer_keys(screen) -> list[str]:
    from textual.widgets._footer import FooterKey

    return [key.description for key in screen.query(FooterKey)]


async def test_enter_opens_the_order_and_says_so_in_the_footer(shop, db):
    """The table's own Enter is not in the footer; the screen's is, while the table has
    focus. In the search box Enter still goes back to the table, opening nothing."""
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        assert footer_keys(screen)[0] == "Open order"
        await pilot.press("slash", *"hopper")
        await settle(pilot)
        assert isinstance(app.focused, Input)
        assert "Open order" not in footer_keys(screen)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and isinstance(app.focused, DataTable)
        assert numbers_shown(screen) == ["1002"]
        assert footer_keys(screen)[0] == "Open order"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderScreen) and app.screen.number == "1002"


async def test_add_a_parcel_with_the_carrier_suggested_and_see_it_on_the_timeline(shop, db):
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_order(pilot, "1012")
        await pilot.press("a")
        dialog = app.screen
        assert isinstance(dialog, ShipmentDialog)
        await pilot.press(*"1Z999AA10123456784")
        assert dialog.query_one("#carrier", Input).value == "UPS"  # suggested
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        view = await queries.order_view(db, "1012")
        assert [(s.carrier, s.tracking_number) for s in view.shipments] == [
            ("UPS", "1Z999AA10123456784")
        ]
        assert "UPS 1Z999AA10123456784" in text_of(screen.query_one("#shipments"))

        # The suggestion is only a suggestion: the owner's carrier wins.
        await pilot.press("a")
        await pilot.press(*"LX123456785DE")
        carrier = app.screen.query_one("#carrier", Input)
        carrier.value = "Hermes"
        await pilot.press("enter")
        await settle(pilot)
        view = await queries.order_view(db, "1012")
        assert ("Hermes", "LX123456785DE") in [
            (s.carrier, s.tracking_number) for s in view.shipments
        ]

        # A malformed number is refused in the dialog and nothing is stored.
        await pilot.press("a")
        await pilot.press(*"no!", "enter")
        assert isinstance(app.screen, ShipmentDialog)
        assert "letters and digits" in text_of(app.screen.query_one("#problem"))
        await pilot.press("escape")
        assert len((await queries.order_view(db, "1012")).shipments) == 2


async def test_milestone_note_cancel_slip_and_link(shop, db):
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_order(pilot, "1002")
        await pilot.press("m")
        app.screen.query_one("#milestone").value = "out_for_delivery"
        await pilot.click("#ok")
        await settle(pilot)
        view = await queries.order_view(db, "1002")
        assert view.shipments[0].milestone == "out_for_delivery"
        assert view.stage == "out_for_delivery"
        assert "out for delivery" in text_of(screen.query_one("#shipments"))

        await pilot.press("e")
        await pilot.press(*"Customer called", "ctrl+s")
        await settle(pilot)
        assert [n.body for n in (await queries.order_view(db, "1002")).notes] == ["Customer called"]

        await pilot.press("l")
        assert app.clipboard == view.tracking_url

        await pilot.press("p")
        await settle(pilot)
        slip = db.data_dir / "slips" / "slip-1002.html"
        assert "1002" in slip.read_text()

        await pilot.press("c")
        await pilot.press(*"out of stock", "enter")
        await settle(pilot)
        assert (await queries.order_view(db, "1002")).stage == "cancelled"

        # Cancelling a delivered order is refused with what to do instead.
        await pilot.press("escape")
        await settle(pilot)
        await open_order(pilot, "1001")
        await pilot.press("c", "enter")
        await settle(pilot)
        assert (await queries.order_view(db, "1001")).stage == "delivered"
        assert any("start a return" in n.message for n in app._notifications)


async def test_preview_and_resend_a_message(shop, db):
    order = await Order.get(number="1003")
    sent = await Notification.create(
        order=order,
        kind="shipped",
        channel="email",
        key="test:shipped",
        due_at=NOW,
        status="sent",
        sent_at=NOW,
    )
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_order(pilot, "1003")
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "1003" in text_of(app.screen.query_one("#preview"))
        app.screen.query_one("#sent", DataTable).focus()
        await pilot.press("r")
        await settle(pilot)
    again = await Notification.filter(order_id=order.id).exclude(id=sent.id)
    assert [(n.kind, n.channel, n.status) for n in again] == [("shipped", "email", "queued")]


async def test_live_changes_update_rows_in_place_and_add_new_ones(shop, db):
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        seen: list[DataChanged] = []
        original = screen.post_message
        screen.post_message = lambda m: (seen.append(m), original(m))[1]  # type: ignore
        table = screen.query_one(DataTable)
        before = table.row_count
        # Another writer: a note on one order, a brand-new order.
        await orders.add_note("1005", "checked")
        await orders.cancel_order("1011")
        await orders.create_order(replace((await _new_order_like()), number="2001", placed_at=NOW))
        posted = await app.feed.poll()
        await settle(pilot)
        ids = {await queries.order_id(n) for n in ("1005", "1011", "2001")}
        assert posted is not None and posted.order_ids == ids
        assert [m.order_ids for m in seen if isinstance(m, DataChanged)] == [ids]
        assert table.row_count == before + 1
        new_row = table.get_row_at(0)
        assert new_row[0] == NEW and str(new_row[1]) == "2001"  # at their place, marked
        row = table.get_row(str(await queries.order_id("1011")))
        assert row[0] == CHANGED and "Cancelled" in str(row[4])
        assert await app.feed.poll() is None  # nothing new


async def _new_order_like():
    from shopdesk.services.orders import NewItem, NewOrder

    return NewOrder(
        number="x",
        placed_at=NOW,
        currency="EUR",
        email="new@example.com",
        name="New Customer",
        items=[NewItem("Mug", 1, 1800)],
    )


async def test_dashboard_counts_today(shop, db):
    app = app_for(db, start="dashboard")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        view = screen.view
        assert (view.to_ship, view.in_transit, view.delivered_total) == (6, 4, 2)
        assert sum(view.orders_per_day) == 12 and len(view.orders_per_day) == 30
        assert sum(view.deliveries_per_day) == 2
        assert text_of(screen.query_one("#tile-to_ship .figure")) == "6"


async def test_keys_help_palette_and_a_remapped_key(shop, db):
    settings = replace(db, tui_keys={"app.dashboard": "f2", "order.note": "ctrl+n"})
    app = app_for(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")  # remapped away: nothing happens
        assert app.current_mode == "orders"
        await pilot.press("f2")
        assert app.current_mode == "dashboard"
        await pilot.press("o")
        await settle(pilot)
        await open_order(pilot, "1004")
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        keys = text_of(app.screen.query_one("#help-keys"))
        assert "Add parcel" in keys and "ctrl+n" in keys and "Scroll" not in keys
        await pilot.press("escape")
        await pilot.press("ctrl+n")
        assert app.screen.__class__.__name__ == "NoteDialog"
        await pilot.press("escape")
        # The palette offers this screen's commands.
        await pilot.press("ctrl+p")
        await pilot.press(*"packing slip")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert (settings.data_dir / "slips" / "slip-1004.html").exists()


def test_tui_keys_from_config(tmp_path):
    from shopdesk.config import load_settings

    path = tmp_path / "shopdesk.toml"
    path.write_text('[tui.keys]\norders.filter = "ctrl+f"\n"app.help" = "f1"\n')
    assert load_settings(path).tui_keys == {"orders.filter": "ctrl+f", "app.help": "f1"}
    path.write_text("[tui.keys]\norders.filter = 3\n")
    with pytest.raises(ConfigError, match=r"tui\.keys\.orders\.filter must be key names"):
        load_settings(path)
    with pytest.raises(ConfigError, match=r"no action 'orders\.fliter'"):
        make_tui(Settings(tui_keys={"orders.fliter": "f"}))


def test_other_commands_do_not_import_textual(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys\nfrom shopdesk.cli import main\n"
        f"main(['--data-dir', {str(tmp_path)!r}, 'orders', 'list'])\n"
        "print(sorted(m for m in ('textual', 'tui', 'uvicorn') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")}
    if PG_URL:
        env["SHOPDESK_DATABASE_URL"] = PG_URL
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
