"""Real failures under the TUI: a table that is gone, a database that refuses. The owner gets a
notification that says what failed and where to look, the traceback goes to the log, and the
app keeps running."""

from __future__ import annotations

import logging

from textual.widgets import DataTable
from tortoise import connections

from shopdesk.config import Settings
from tests.conftest import PG_URL
from tests.tui_shop import NOW, seed_shop
from tui.app import make_tui
from tui.messages import DataChanged
from tui.screens.dashboard import DashboardScreen
from tui.screens.exceptions import ExceptionsScreen
from tui.screens.notifications import NotificationsScreen
from tui.screens.orders import PAGE, OrdersScreen
from tui.screens.returns import ReturnsScreen
from tui.workers import LOG_HINT

SIZE = (100, 32)


async def drop_table(name: str) -> None:
    cascade = " CASCADE" if PG_URL else ""
    await connections.get("default").execute_script(f"DROP TABLE {name}{cascade}")


async def rename_table(name: str, to: str) -> None:
    await connections.get("default").execute_script(f"ALTER TABLE {name} RENAME TO {to}")


async def settle(pilot) -> None:
    for _ in range(2):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def errors(app) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


async def test_a_missing_table_is_a_notification_and_the_app_keeps_running(db: Settings, caplog):
    await seed_shop()
    await drop_table("order_return_item")
    await drop_table("order_return")
    app = make_tui(db, now=NOW, live_interval=0, start="returns")
    with caplog.at_level(logging.ERROR, logger="tui.workers"):
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ReturnsScreen)
            [message] = errors(app)
            assert message.startswith("Loading the returns failed: ")
            assert "order_return" in message and LOG_HINT in message
            assert not app.screen.table.loading  # the progress indicator went away
            # Still running: other sections work.
            await pilot.press("n")
            await settle(pilot)
            assert isinstance(app.screen, NotificationsScreen)
            assert app.screen.query_one(DataTable).row_count == 0
            await pilot.press("o")
            await settle(pilot)
            assert app.screen.query_one(DataTable).row_count == 12
            assert app.is_running
    [record] = [r for r in caplog.records if r.name == "tui.workers"]
    assert record.getMessage() == "Loading the returns failed"
    assert record.exc_info is not None  # the traceback is in the log


async def test_a_table_dropped_while_the_tui_runs(db: Settings):
    await seed_shop()
    app = make_tui(db, now=NOW, live_interval=0, start="dashboard")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen) and screen.view is not None
        assert screen.view.in_transit > 0
        assert errors(app) == []
        await drop_table("tracking_event")
        await drop_table("shipment")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert [m.split(":")[0] for m in errors(app)] == ["Counting the dashboard failed"]
        assert app.screen is screen and app.is_running
        # The figures from before stay up rather than a blank screen.
        assert "…" not in str(screen.query_one("#tile-in_transit .figure").render())
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ExceptionsScreen)
        assert [m.split(":")[0] for m in errors(app)][-1] == "Loading the exceptions failed"
        assert app.is_running


async def test_orders_that_cannot_be_read_are_a_notification_not_a_crash(db: Settings):
    await seed_shop()
    await rename_table("customer", "customer_gone")  # every order query joins it
    app = make_tui(db, now=NOW, live_interval=0, start="orders")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OrdersScreen) and app.is_running
        [message] = errors(app)
        assert message.startswith("Searching the orders failed: ")
        assert "customer" in message and LOG_HINT in message
        assert app.screen.query_one(DataTable).row_count == 0
        # The table is back: the next search asks again, and the orders show.
        await rename_table("customer_gone", "customer")
        await pilot.press("slash", "1")
        await settle(pilot)
        assert app.screen.query_one(DataTable).row_count == 12
        assert len(errors(app)) == 1


async def test_orders_failing_while_the_tui_runs(db: Settings):
    await seed_shop(PAGE + 10)
    app = make_tui(db, now=NOW, live_interval=0, start="orders")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == PAGE and errors(app) == []
        await rename_table("customer", "customer_gone")
        # The next page, a live change and a search each fail on their own.
        table.move_cursor(row=PAGE - 1)
        await settle(pilot)
        for row in (PAGE - 2, PAGE - 1):  # more moves near the end: not asked (and failed) again
            table.move_cursor(row=row)
            await settle(pilot)
        screen.post_message(DataChanged(frozenset({1}), frozenset({"event"})))
        await settle(pilot)
        await pilot.press("slash", "1")
        await settle(pilot)
        assert [m.split(":")[0] for m in errors(app)] == [
            "Loading more orders failed",
            "Updating changed orders failed",
            "Searching the orders failed",
        ]
        assert app.screen is screen and app.is_running
        assert table.row_count == PAGE  # what was shown stays shown
        await pilot.press("enter", "d")  # back to the table, then another section
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)


async def test_a_message_that_cannot_be_previewed_or_resent(db: Settings, monkeypatch):
    from shopdesk.models import Notification, Order
    from tui.dialogs import message
    from tui.dialogs.message import MessageDialog

    await seed_shop()
    order = await Order.get(number="1003")
    await Notification.create(
        order=order, kind="shipped", channel="email", key="t", due_at=NOW, status="sent"
    )

    async def broken(*args, **kwargs):
        raise LookupError("no template for shipped")

    monkeypatch.setattr(message, "preview_message", broken)
    monkeypatch.setattr(message, "resend", broken)
    app = make_tui(db, now=NOW, live_interval=0, start="orders")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(str(order.id)))
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, MessageDialog)
        dialog.query_one("#sent", DataTable).focus()
        await pilot.press("r")
        await settle(pilot)
        # (The preview renders on mount and again as the Select settles: maybe twice.)
        assert list(dict.fromkeys(m.split(":")[0] for m in errors(app))) == [
            "Rendering the message failed",
            "Queueing the message again failed",
        ]
        assert app.screen is dialog and app.is_running
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, MessageDialog)
