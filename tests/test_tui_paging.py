"""Returns and Notifications load pages of 200 rows (keyset paging, newest first) and the next
page when the cursor nears the end; a live change that arrives while a new filter loads is
shown, not lost or overwritten by the older list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shopdesk.models import Notification, Order, Return
from tests.tui_host import settle
from tests.tui_shop import NOW, seed_shop
from tui.app import make_tui
from tui.messages import DataChanged
from tui.screens.notifications import PAGE, NotificationsScreen
from tui.screens.returns import ReturnsScreen


@pytest.fixture
async def orders(db) -> list[int]:
    await seed_shop()
    return [o.id for o in await Order.all().order_by("id")]


async def add_notifications(order_ids: list[int], count: int) -> None:
    await Notification.bulk_create(
        [
            Notification(
                order_id=order_ids[i % len(order_ids)],
                kind="shipped",
                channel="email",
                key=f"bulk-{i}",
                status="sent",
                due_at=NOW - timedelta(minutes=count - i),
                sent_at=NOW - timedelta(minutes=count - i),
            )
            for i in range(count)
        ]
    )


async def add_returns(order_ids: list[int], count: int) -> None:
    await Return.bulk_create(
        [
            Return(
                order_id=order_ids[i % len(order_ids)],
                rma=f"R-BULK-{i}",
                token=f"bulk-token-{i:06d}",
                status="requested",
                resolution="refund",
            )
            for i in range(count)
        ]
    )


async def to_the_end(pilot, screen) -> None:
    screen.table.move_cursor(row=screen.table.row_count - 1)
    await settle(pilot)


@pytest.mark.parametrize("section", ["notifications", "returns"])
async def test_pages_load_as_the_cursor_nears_the_end(db, orders, section):
    if section == "notifications":
        await add_notifications(orders, 2 * PAGE + 50)
        every = [
            str(i) for i in await Notification.all().order_by("-id").values_list("id", flat=True)
        ]
    else:
        await add_returns(orders, PAGE + 60)
        every = [str(i) for i in await Return.all().order_by("-id").values_list("id", flat=True)]
    app = make_tui(db, now=NOW, live_interval=0, start=section)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, NotificationsScreen | ReturnsScreen)
        assert screen.table.keys == every[:PAGE]  # one page, the newest
        screen.table.move_cursor(row=PAGE // 2)
        await settle(pilot)
        assert screen.table.row_count == PAGE  # not near the end yet: nothing more asked
        await to_the_end(pilot, screen)
        assert screen.table.keys == every[: 2 * PAGE]
        await to_the_end(pilot, screen)
        await to_the_end(pilot, screen)
        assert screen.table.keys == every  # all, once each, in order
        assert screen.paging.after is None


async def test_a_change_during_a_filter_load_is_shown(db, orders):
    await add_notifications(orders, 30)
    app = make_tui(db, now=NOW, live_interval=0, start="notifications")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, NotificationsScreen)
        assert screen.table.row_count == 30
        # Another process fails a message; its change-feed row arrives just as the owner
        # switches to "failed" (both in the same turn of the event loop).
        changed = await Notification.filter(key="bulk-7").first()
        assert changed is not None
        await Notification.filter(id=changed.id).update(status="failed", last_error="SMTP 550")
        screen.action_next_filter()
        assert screen.filter == "failed" and screen.paging.loading
        screen.on_data_changed(DataChanged(frozenset({changed.order_id}), frozenset({"notify"})))
        await settle(pilot)
        # The failed list, not the old list under a new title; the change is in it.
        assert screen.table.keys == [str(changed.id)]
        assert screen.rows[str(changed.id)].last_error == "SMTP 550"
        assert "1 failed" in str(screen.query_one("#status").render())
