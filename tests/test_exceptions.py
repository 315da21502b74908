"""The exceptions queue on a real database: every source, oldest first, dismissals that last
until the cause changes, and the queue emptying as the owner resolves things."""

import json
from datetime import timedelta

import pytest

from shopdesk.errors import InvalidInput, NotFound
from shopdesk.models import Change, Dismissal, Notification
from shopdesk.notify import outbox
from shopdesk.services import exceptions, returns, shipments
from shopdesk.services.shipments import NewEvent
from tests.queue_seed import BASE

pytestmark = pytest.mark.queue_shop  # queue_seed.py's settings; queue_shop seeds it


def kinds(queue) -> list[tuple[str, str | None]]:
    return [(item.kind, item.order_number) for item in queue.items]


async def test_every_source_in_one_queue_oldest_first(queue_shop):
    queue = await exceptions.exceptions_queue()
    assert kinds(queue) == [
        ("exception", "1001"),
        ("return_requested", "1005"),
        ("dispatch_delayed", "1003"),
        ("stalled", "1002"),
        ("notification_failed", "1004"),
        ("return_received", "1006"),
        ("import_error", None),
    ]
    assert [i.since for i in queue.items] == sorted(i.since for i in queue.items)
    customs = queue.items[0]
    assert customs.title == ("Order 1001: parcel JJD1001 (DHL) carrier exception: customs")
    assert customs.detail == "Held at customs: invoice missing"
    assert customs.tracking_number == "JJD1001" and customs.actions == ("milestone", "note")
    failed = next(i for i in queue.items if i.kind == "notification_failed")
    assert "SMTP 550" in failed.detail and failed.actions == ("retry", "note")
    unreadable = queue.items[-1]
    assert unreadable.title == "Unreadable row orders.csv:2 (csv:generic)"
    assert unreadable.detail == "order 2001: quantity 'two' is not a whole number"
    assert queue.dismissed == 0


async def test_items_leave_the_queue_when_the_cause_is_resolved(queue_shop, db):
    await shipments.record_event(
        NewEvent(
            "JJD1001", BASE + timedelta(days=3), "in_transit", description="Released by customs"
        )
    )
    await shipments.record_event(
        NewEvent("JJD1002", BASE + timedelta(days=9, hours=1), "delivered")
    )
    await shipments.add_shipment("1003", "JJD1003", carrier="DHL")
    await returns.approve(queue_shop["return_requested"])
    await returns.refund(queue_shop["return_received"], 1800, "card")
    failed = await Notification.get(status="failed")
    await outbox.retry(failed.id, now=BASE + timedelta(days=11))
    assert kinds(await exceptions.exceptions_queue()) == [("import_error", None)]


async def test_dismissed_items_stay_away_until_the_cause_changes(queue_shop):
    queue = await exceptions.exceptions_queue()
    customs = queue.items[0]
    changes = await Change.all().count()
    dismissed = await exceptions.dismiss(customs.key, "  Customer sends the invoice  ")
    assert dismissed.dismissed_note == "Customer sends the invoice"
    assert await Change.filter(kind="dismissed").count() == 1
    assert await Change.all().count() == changes + 1
    after = await exceptions.exceptions_queue()
    assert customs.key not in [i.key for i in after.items] and after.dismissed == 1
    everything = await exceptions.exceptions_queue(include_dismissed=True)
    assert [i.dismissed_note for i in everything.items if i.key == customs.key] == [
        "Customer sends the invoice"
    ]
    # Dismissing again keeps the first note and writes nothing.
    await exceptions.dismiss(customs.key, "other")
    assert await Dismissal.all().count() == 1 and await Change.filter(kind="dismissed").count() == 1

    # The cause changes: a new exception scan (address this time) brings the item back.
    await shipments.record_event(
        NewEvent("JJD1001", BASE + timedelta(days=4), "exception", reason="address")
    )
    back = [i for i in (await exceptions.exceptions_queue()).items if i.order_number == "1001"]
    assert [i.title for i in back] == [
        "Order 1001: parcel JJD1001 (DHL) carrier exception: address"
    ]


async def test_a_retried_message_that_fails_again_comes_back_even_if_dismissed(queue_shop, db):
    failed = next(
        i for i in (await exceptions.exceptions_queue()).items if i.kind == "notification_failed"
    )
    await exceptions.dismiss(failed.key, "will call the customer")
    await outbox.retry(failed.ref_id, now=BASE + timedelta(days=11))
    rows = await outbox.claim(now=BASE + timedelta(days=11, minutes=1))
    assert [r.id for r in rows] == [failed.ref_id]
    await outbox.finish(
        db,
        [outbox.Outcome(rows[0], "failed", "SMTP 550 again")],
        now=BASE + timedelta(days=11, minutes=1),
    )
    again = [
        i for i in (await exceptions.exceptions_queue()).items if i.kind == "notification_failed"
    ]
    assert len(again) == 1 and "SMTP 550 again" in again[0].detail


async def test_dismiss_refuses_bad_input_and_unknown_items(queue_shop):
    item = (await exceptions.exceptions_queue()).items[0]
    with pytest.raises(InvalidInput, match="note"):
        await exceptions.dismiss(item.key, "   ")
    with pytest.raises(InvalidInput, match="1000"):
        await exceptions.dismiss(item.key, "x" * 1001)
    with pytest.raises(NotFound, match="no longer"):
        await exceptions.dismiss("shipment:999:exception::-", "gone")
    assert await Dismissal.all().count() == 0


async def test_retry_refuses_what_is_not_failed(queue_shop):
    from shopdesk.errors import Conflict

    sent = await Notification.filter(status="sent").first()
    with pytest.raises(Conflict, match="is sent; only failed"):
        await outbox.retry(sent.id)
    assert (await Notification.get(id=sent.id)).status == "sent"
    with pytest.raises(NotFound):
        await outbox.retry(999_999)


async def test_an_empty_shop_has_an_empty_queue(db):
    queue = await exceptions.exceptions_queue()
    assert queue.items == () and queue.dismissed == 0


def test_the_exceptions_command(cli):
    empty = cli("exceptions")
    assert empty.code == 0 and "Nothing needs you." in empty.out
    assert cli("import", "orders", str(shared_bad_csv(cli))).code == 1
    listed = cli("exceptions")
    assert listed.code == 0 and "import_error" in listed.out
    assert "quantity 'two' is not a whole number" in listed.out
    as_json = cli("exceptions", "--json")
    [item] = json.loads(as_json.out)
    assert item["kind"] == "import_error" and item["actions"] == []


def shared_bad_csv(cli):
    path = cli.data_dir.parent / "bad.csv"
    path.write_text(
        "order_number,placed_at,email,phone,name,country,postcode,city,currency,"
        "sku,title,quantity,unit_price\n2001,2026-11-05T10:00:00+00:00,"
        "x@example.com,,X,DE,10115,Berlin,EUR,A,Mug,two,1.00\n",
        encoding="utf-8",
    )
    return path


async def test_a_return_parcel_in_trouble_and_its_way_out(queue_shop):
    await returns.approve(queue_shop["return_requested"])
    await returns.add_return_tracking(queue_shop["return_requested"], "DHL", "JJDBACK1005")
    await returns.record_return_event("JJDBACK1005", "exception", BASE + timedelta(days=12))
    [item] = [i for i in (await exceptions.exceptions_queue()).items if i.kind == "return_parcel"]
    assert item.title == "Return R-1005-1 (order 1005): parcel JJDBACK1005 exception"
    assert item.actions == ("receive", "note") and item.since == BASE + timedelta(days=12)
    await returns.mark_received(item.ref_id)
    kinds_now = [i.kind for i in (await exceptions.exceptions_queue()).items]
    assert "return_parcel" not in kinds_now and kinds_now.count("return_received") == 2
