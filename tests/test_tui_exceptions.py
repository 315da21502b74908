"""The Exceptions screen: Pilot tests on a real database (the queue, each action, bad input,
dismissals, live changes) and a snapshot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Input

from shopdesk.models import Dismissal, Note, Notification, Return, Shipment
from shopdesk.services import shipments
from shopdesk.services.shipments import NewEvent
from tests.queue_seed import BASE, seed_queue
from tests.tui_host import HostApp, settle
from tui.messages import DataChanged
from tui.screens.exceptions import ExceptionsScreen
from tui.screens.queue_base import QueueScreen

pytestmark = pytest.mark.queue_shop  # queue_seed.py's settings; queue_shop seeds it


class Recorder(HostApp):
    """The host, remembering the Done/Failed messages the screen posted."""

    def __init__(self, settings) -> None:
        super().__init__(settings, ExceptionsScreen)
        self.outcomes: list[tuple[str, str, str]] = []

    def on_queue_screen_done(self, message: QueueScreen.Done) -> None:
        self.outcomes.append(("done", message.action, message.text))

    def on_queue_screen_failed(self, message: QueueScreen.Failed) -> None:
        self.outcomes.append(("failed", message.action, message.text))


async def select(pilot, screen: ExceptionsScreen, kind: str) -> None:
    keys = [k for k, item in screen.items.items() if item.kind == kind]
    screen.table.move_cursor(row=screen.table.get_row_index(keys[0]))
    await pilot.pause()


async def test_the_queue_oldest_first_with_details(queue_shop, settings):
    app = Recorder(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ExceptionsScreen)
        kinds = [screen.items[k].kind for k in screen.table.keys]
        assert kinds == [
            "exception",
            "return_requested",
            "dispatch_delayed",
            "stalled",
            "notification_failed",
            "return_received",
            "import_error",
        ]
        detail = str(screen.query_one("#detail").render())
        assert "JJD1001" in detail and "Held at customs" in detail
        assert "record a milestone" in detail
        assert "7 items need you" in str(screen.query_one("#status").render())
        # Only the actions that fit the item are offered.
        assert screen.check_action("milestone", ()) is True
        assert screen.check_action("approve", ()) is False


async def test_record_a_milestone_resolves_the_customs_item(queue_shop, settings):
    app = Recorder(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("k")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "MilestoneDialog"
        app.screen.query_one("#description", Input).value = "Released by customs"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.outcomes == [("done", "milestone", "Recorded in transit for JJD1001.")]
        parcel = await Shipment.get(tracking_number="JJD1001")
        assert parcel.milestone == "in_transit" and parcel.status_text == "Released by customs"
        assert "exception" not in [i.kind for i in screen.items.values()]


async def test_dismiss_needs_a_note_and_escape_loses_nothing(queue_shop, settings):
    app = Recorder(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        first = screen.table.current_key
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("enter")  # no note
        await pilot.pause()
        assert "needed" in str(app.screen.query_one("#error").render())
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and await Dismissal.all().count() == 0
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press(*"waiting for invoice", "enter")
        await settle(pilot)
        assert app.outcomes[-1][:2] == ("done", "dismiss")
        assert first not in screen.items and first not in screen.table.rows
        assert (await Dismissal.get(key=first)).note == "waiting for invoice"
        assert "1 dismissed" in str(screen.query_one("#status").render())
        await pilot.press("i")  # show the dismissed ones again
        await settle(pilot)
        assert screen.items[first].dismissed_note == "waiting for invoice"


async def test_return_actions_and_bad_refunds(queue_shop, settings):
    app = Recorder(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        await select(pilot, screen, "return_received")
        await pilot.press("m")
        await settle(pilot)
        amount = app.screen.query_one("#amount", Input)
        assert amount.value == "18.00"
        for bad, says in (
            ("abc", "not an amount"),
            ("-5", "not an amount"),
            ("0", "more than nothing"),
            ("18.01", "more than the items cost"),
        ):
            amount.value = bad
            await pilot.press("enter")
            await pilot.pause()
            assert says in str(app.screen.query_one("#error").render()), bad
        amount.value = "12.50"
        await pilot.press("enter")
        await settle(pilot)
        ret = await Return.get(id=queue_shop["return_received"])
        assert (ret.status, ret.refund_minor, ret.refund_method) == ("refunded", 1250, "card")
        assert app.outcomes[-1][:2] == ("done", "refund")

        await select(pilot, screen, "return_requested")
        await pilot.press("j")
        await pilot.pause()
        await pilot.press("enter")  # a rejection needs a reason
        await pilot.pause()
        assert "needed" in str(app.screen.query_one("#error").render())
        await pilot.press("escape")
        await pilot.press("a")
        await settle(pilot)
        assert (await Return.get(id=queue_shop["return_requested"])).status == "approved"
        assert [i.kind for i in screen.items.values() if i.kind.startswith("return")] == []


async def test_retry_note_and_ship(queue_shop, settings):
    app = Recorder(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        await select(pilot, screen, "notification_failed")
        await pilot.press("y")
        await settle(pilot)
        assert await Notification.filter(status="failed").count() == 0
        assert "notification_failed" not in [i.kind for i in screen.items.values()]

        await select(pilot, screen, "dispatch_delayed")
        await pilot.press("t", *"called the customer", "enter")
        await settle(pilot)
        assert [n.body for n in await Note.filter(order__number="1003")] == ["called the customer"]
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("enter")  # no tracking number
        await pilot.pause()
        assert "tracking number is needed" in str(app.screen.query_one("#error").render())
        await pilot.press(*"00340434161094042557", "tab", *"DHL", "enter")
        await settle(pilot)
        assert await Shipment.exists(order__number="1003", tracking_number="00340434161094042557")
        assert "dispatch_delayed" not in [i.kind for i in screen.items.values()]


async def test_a_service_refusal_is_a_notification_that_says_what_to_do(queue_shop, settings):
    app = Recorder(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        await select(pilot, screen, "return_requested")
        # Someone else rejects it meanwhile; approving now is refused.
        from shopdesk.services.returns import reject

        await reject(queue_shop["return_requested"], "out of window")
        await pilot.press("a")
        await settle(pilot)
        assert app.outcomes[-1][0:2] == ("failed", "approve")
        assert "rejected" in app.outcomes[-1][2]


async def test_changes_by_others_appear_marked_without_a_key_press(queue_shop, settings):
    app = Recorder(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        before = set(screen.table.rows)
        await shipments.record_event(
            NewEvent("JJD1004", BASE + timedelta(days=20), "returned_to_sender")
        )
        order_id = queue_shop["1004"]
        screen.post_message(DataChanged(frozenset({order_id}), frozenset({"event"})))
        await settle(pilot)
        new = [k for k in screen.table.rows if k not in before]
        assert [screen.items[k.value].kind for k in new] == ["returned_to_sender"]
        assert new[0].value in screen.table.marked
        assert set(before) <= set(screen.table.rows)  # nothing else went away


def test_snapshot(snap_compare, settings, tmp_path):
    from tests.conftest import PG_URL, reset_postgres

    if PG_URL:
        import asyncio

        asyncio.run(reset_postgres(PG_URL))
    app = HostApp(settings, ExceptionsScreen, open_db=True, seed=lambda s: seed_queue(s, tmp_path))

    async def settle_app(pilot) -> None:
        await settle(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=settle_app)
