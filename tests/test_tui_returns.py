"""The Returns screen: Pilot tests on a real database (list, filters, every action, bad
refunds, refusals, live changes) and a snapshot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Input

from shopdesk.models import Notification, Order, OrderItem, Return
from shopdesk.services import returns
from tests.queue_seed import BASE, seed_queue
from tests.tui_host import HostApp, settle
from tui.messages import DataChanged
from tui.screens.queue_base import QueueScreen
from tui.screens.returns import ReturnsScreen

pytestmark = pytest.mark.queue_shop  # queue_seed.py's settings; queue_shop seeds it


class Recorder(HostApp):
    def __init__(self, settings) -> None:
        super().__init__(settings, ReturnsScreen)
        self.outcomes: list[tuple[str, str, str]] = []

    def on_queue_screen_done(self, message: QueueScreen.Done) -> None:
        self.outcomes.append(("done", message.action, message.text))

    def on_queue_screen_failed(self, message: QueueScreen.Failed) -> None:
        self.outcomes.append(("failed", message.action, message.text))


def shown(screen: ReturnsScreen) -> list[tuple[str, str]]:
    return [(screen.rows[k].rma, screen.rows[k].status) for k in screen.table.keys]


def error(app) -> str:
    return str(app.screen.query_one("#error").render())


async def go_to(pilot, screen: ReturnsScreen, rma: str) -> None:
    key = next(k for k, r in screen.rows.items() if r.rma == rma)
    screen.table.move_cursor(row=screen.table.get_row_index(key))
    await settle(pilot)


async def test_list_detail_and_filters(queue_shop, settings):
    app = Recorder(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert shown(screen) == [("R-1006-1", "received"), ("R-1005-1", "requested")]
        detail = str(screen.query_one("#detail").render())
        assert "R-1006-1" in detail and "1 × Stoneware mug" in detail
        assert "Too small" in detail and "18.00 EUR" in detail
        status = str(screen.query_one("#status").render())
        assert "open: 2 shown" in status and "1 to approve" in status
        await pilot.press("f")  # all
        await settle(pilot)
        assert len(shown(screen)) == 2 and screen.filter is None
        await pilot.press("f")  # requested
        await settle(pilot)
        assert shown(screen) == [("R-1005-1", "requested")]
        await pilot.press("F", "F")  # back to open
        await settle(pilot)
        assert screen.filter == "open"
        # Only the actions that fit the status are offered.
        await go_to(pilot, screen, "R-1005-1")
        assert screen.check_action("approve", ()) is True
        assert screen.check_action("close", ()) is False


async def test_the_whole_journey_by_keyboard(queue_shop, settings):
    app = Recorder(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        await go_to(pilot, screen, "R-1005-1")
        await pilot.press("a")
        await settle(pilot)
        ret = await Return.get(rma="R-1005-1")
        assert ret.status == "approved"
        assert await Notification.exists(kind="return_approved", order_id=ret.order_id)
        assert ("R-1005-1", "approved") in shown(screen)
        await pilot.press("v")
        await settle(pilot)
        assert (await Return.get(rma="R-1005-1")).status == "received"

        await pilot.press("m")
        await settle(pilot)
        amount = app.screen.query_one("#amount", Input)
        assert amount.value == "18.00"
        for bad, says in (
            ("abc", "not an amount"),
            ("-5", "not an amount"),
            ("", "nothing"),
            ("0.00", "more than nothing"),
            ("99", "more than the items cost"),
            ("1.234", "not an amount"),
        ):
            amount.value = bad
            await pilot.press("enter")
            await pilot.pause()
            assert says in error(app), bad
        assert (await Return.get(rma="R-1005-1")).status == "received"  # nothing saved
        amount.value = "17,50"
        await pilot.press("enter")
        await settle(pilot)
        ret = await Return.get(rma="R-1005-1")
        assert (ret.status, ret.refund_minor, ret.refund_method) == ("refunded", 1750, "card")
        assert app.outcomes[-1] == (
            "done",
            "refund",
            "17.50 EUR refund recorded for R-1005-1; the customer is told.",
        )
        # Refunded is not open: it left this filter; under "all" it can be closed.
        assert "R-1005-1" not in [rma for rma, _ in shown(screen)]
        await pilot.press("f")
        await settle(pilot)
        await go_to(pilot, screen, "R-1005-1")
        await pilot.press("l")
        await settle(pilot)
        assert (await Return.get(rma="R-1005-1")).status == "closed"


async def test_credit_exchange_and_reject(queue_shop, settings, db):
    app = Recorder(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        await go_to(pilot, screen, "R-1006-1")
        await pilot.press("c")
        await settle(pilot)
        assert not app.screen.query("#method")  # store credit has no method
        app.screen.query_one("#amount", Input).value = "5"
        await pilot.press("enter")
        await settle(pilot)
        ret = await Return.get(rma="R-1006-1")
        assert (ret.status, ret.refund_minor) == ("credited", 500)

        # A second return on 1004: exchange it.
        order = await Order.get(number="1004")
        item = await OrderItem.filter(order_id=order.id, sku="TEA").first()
        started = await returns.start_return(
            db, order.token, {item.id: 1}, "Wrong flavour", "exchange", now=BASE + timedelta(days=9)
        )
        screen.post_message(DataChanged(frozenset({order.id}), frozenset({"return"})))
        await settle(pilot)
        await go_to(pilot, screen, started.rma)
        await pilot.press("j")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "needed" in error(app)
        await pilot.press("escape")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("e", *"Earl Grey sent", "enter")
        await settle(pilot)
        ret = await Return.get(id=started.id)
        assert (ret.status, ret.resolution_note) == ("exchanged", "Earl Grey sent")


async def test_a_refusal_says_what_to_do(queue_shop, settings):
    app = Recorder(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        await go_to(pilot, screen, "R-1005-1")
        await returns.reject(queue_shop["return_requested"], "too late")  # someone else, meanwhile
        await pilot.press("a")
        await settle(pilot)
        assert app.outcomes[-1][:2] == ("failed", "approve")
        assert "rejected; only requested or expired returns can be approved" in app.outcomes[-1][2]
        # The list caught up: the rejected return left the open filter.
        assert "R-1005-1" not in [rma for rma, _ in shown(screen)]


async def test_changes_by_others_update_rows_in_place_and_mark_them(queue_shop, settings):
    app = Recorder(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        await go_to(pilot, screen, "R-1006-1")
        await returns.approve(queue_shop["return_requested"])
        screen.post_message(DataChanged(frozenset({queue_shop["1005"]}), frozenset({"return"})))
        await settle(pilot)
        assert ("R-1005-1", "approved") in shown(screen)
        key = str(queue_shop["return_requested"])
        assert key in screen.table.marked
        assert screen.table.current_key == str(queue_shop["return_received"])  # cursor stayed
        await go_to(pilot, screen, "R-1005-1")
        assert key not in screen.table.marked  # seen


def test_snapshot(snap_compare, settings, tmp_path):
    from tests.conftest import PG_URL, reset_postgres

    if PG_URL:
        import asyncio

        asyncio.run(reset_postgres(PG_URL))

    async def seed(s):
        ids = await seed_queue(s, tmp_path)
        await Return.filter(id=ids["return_received"]).update(
            decided_at=BASE + timedelta(days=9), updated_at=BASE + timedelta(days=12)
        )

    app = HostApp(settings, ReturnsScreen, open_db=True, seed=seed)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)
