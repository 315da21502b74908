"""The Notifications screen: Pilot tests on a real database (the outbox, filters, retry, a
test message to a real local HTTP receiver, live changes) and a snapshot."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shopdesk.models import Notification, Order
from shopdesk.notify.outbox import Plan, plan
from shopdesk.notify.sinks import HTTPSink
from tests.queue_seed import BASE, seed_queue
from tests.tui_host import HostApp, settle
from tui.messages import DataChanged
from tui.screens.notifications import NotificationsScreen
from tui.screens.queue_base import QueueScreen

pytestmark = pytest.mark.queue_shop  # queue_seed.py's settings; queue_shop seeds it


class Recorder(HostApp):
    def __init__(self, settings) -> None:
        super().__init__(settings, NotificationsScreen)
        self.outcomes: list[tuple] = []

    def on_queue_screen_done(self, message: QueueScreen.Done) -> None:
        self.outcomes.append(("done", message.action, message.text))

    def on_notifications_screen_test_sent(self, message: NotificationsScreen.TestSent) -> None:
        self.outcomes.append(("test", message.ok, message.error))


def shown(screen) -> list[tuple[str, str, str]]:
    return [(r.order_number, r.kind, r.status) for r in (screen.rows[k] for k in screen.table.keys)]


async def test_outbox_filter_detail_and_retry(queue_shop, settings):
    app = Recorder(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        rows = shown(screen)
        assert len(rows) == await Notification.all().count()
        ids = [screen.rows[k].id for k in screen.table.keys]
        assert ids == sorted(ids, reverse=True)  # newest first
        assert "1 failed" in str(screen.query_one("#status").render())
        await pilot.press("f")  # failed
        await settle(pilot)
        assert shown(screen) == [("1004", "delayed", "failed")]
        detail = str(screen.query_one("#detail").render())
        assert "SMTP 550 mailbox unavailable" in detail and "attempt" in detail
        assert screen.check_action("retry", ()) is True
        await pilot.press("y")
        await settle(pilot)
        assert app.outcomes[-1][:2] == ("done", "retry")
        row = await Notification.get(order__number="1004", kind="delayed")
        assert row.status == "queued"
        assert shown(screen) == []  # it left the failed filter
        await pilot.press("f")  # queued
        await settle(pilot)
        assert ("1004", "delayed", "queued") in shown(screen)


async def test_send_a_test_message_to_a_real_receiver(queue_shop, settings):
    app = Recorder(settings)
    async with HTTPSink() as http, app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        url = f"json://127.0.0.1:{http.port}/hook"
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("ctrl+a", *url, "enter")
        await settle(pilot)
        [request] = await http.wait_for(1)
        assert "Test message from shopdesk" in request.json["message"]
        assert app.outcomes[-1] == ("test", True, "")
        http.fail(500)
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*url, "enter")
        await settle(pilot)
        assert app.outcomes[-1][:2] == ("test", False) and "500" in app.outcomes[-1][2]


async def test_a_test_message_needs_a_usable_target(queue_shop, settings):
    app = Recorder(replace(settings, owner_urls=()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("t", "enter")  # nothing typed
        await pilot.pause()
        assert "Apprise URL or a channel name" in str(app.screen.query_one("#error").render())
        await pilot.press(*"nonsense", "enter")
        await settle(pilot)
        assert app.outcomes[-1][:2] == ("test", False)
        assert "neither a URL nor a channel (channels: email)" in app.outcomes[-1][2]
        await pilot.press("t", *"email", "enter")  # the channel needs an address
        await settle(pilot)
        assert "give that address" in app.outcomes[-1][2]


async def test_new_messages_from_other_writers_appear_marked(queue_shop, settings, db):
    app = Recorder(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        before = set(screen.table.keys)
        order = await Order.get(number="1002")
        await plan(db, [Plan(order.id, "out_for_delivery", happened_at=None)], now=BASE)
        screen.post_message(DataChanged(frozenset({order.id}), frozenset({"event"})))
        await settle(pilot)
        new = [k for k in screen.table.keys if k not in before]
        assert [screen.rows[k].kind for k in new] == ["out_for_delivery"]
        assert screen.table.keys[0] == new[0]  # newest first, even when it arrives late
        assert new[0] in screen.table.marked


def test_snapshot(snap_compare, settings, tmp_path):
    from tests.conftest import PG_URL, reset_postgres

    if PG_URL:
        import asyncio

        asyncio.run(reset_postgres(PG_URL))
    app = HostApp(
        settings, NotificationsScreen, open_db=True, seed=lambda s: seed_queue(s, tmp_path)
    )
    assert snap_compare(app, terminal_size=(100, 30), run_before=settle)
