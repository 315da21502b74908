"""Returns on a real database: the whole journey, the rules a return must pass, the return
parcel's scans, expiry, hostile text, and the [returns] settings."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from shopdesk.config import load_settings
from shopdesk.errors import ConfigError, Conflict, InvalidInput, NotFound
from shopdesk.models import Alert, Change, Notification, Order, OrderItem, Return, Shipment
from shopdesk.services import orders, queries, returns, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.services.shipments import NewEvent
from shopdesk.tracking.estimate import add_business_days

CHANNELS = {"email": "mailto://shop:pw@127.0.0.1:2525?to={email}"}


@pytest.fixture
def settings(settings):
    return replace(settings, channels=CHANNELS)


def now() -> datetime:
    return datetime.now(UTC)


async def delivered_order(
    number="1001", *, delivered_days_ago=3, deliver=True, items=None
) -> tuple[str, dict[str, int]]:
    """An order of 2 mugs and 1 tea, delivered ``delivered_days_ago``; (token, ids by SKU)."""
    placed = now() - timedelta(days=delivered_days_ago + 5)
    await orders.create_order(
        NewOrder(
            number=number,
            placed_at=placed,
            currency="EUR",
            email="ada@example.com",
            name="Ada Lovelace",
            country="DE",
            items=items
            or [
                NewItem("Stoneware mug", 2, 1800, "MUG-01"),
                NewItem("Loose leaf tea", 1, 1250, "TEA-200"),
            ],
        )
    )
    tracking = f"JJD{number}000"
    await shipments.add_shipment(
        number, tracking, carrier="DHL", shipped_at=placed + timedelta(days=1)
    )
    if deliver:
        await shipments.record_event(
            NewEvent(
                tracking_number=tracking,
                milestone="delivered",
                occurred_at=now() - timedelta(days=delivered_days_ago),
            )
        )
    order = await Order.get(number=number)
    ids = dict(await OrderItem.filter(order_id=order.id).values_list("sku", "id"))
    return order.token, ids


async def return_kinds() -> list[str]:
    return [
        n.kind
        for n in await Notification.filter(
            kind__not_in=("confirmed", "shipped", "delivered")
        ).order_by("id")
    ]


async def return_changes() -> int:
    return await Change.filter(kind="return").count()


# --- the journey --------------------------------------------------------------------------


async def test_whole_journey_with_owner_approval(db):
    token, ids = await delivered_order()
    start = await returns.start_return(db, token, {ids["MUG-01"]: 2}, "Too small", "refund")
    assert start.status == "requested"
    assert start.rma == "R-1001-1"
    assert len(start.token) >= 43 and start.url == f"https://shop.example/r/{start.token}"
    assert start.items == (("Stoneware mug", 2),)
    assert start.value_minor == 3600 and start.currency == "EUR"
    assert await return_kinds() == ["return_requested"]
    assert await return_changes() == 1
    waiting = await Alert.get(key=f"return:{start.id}:requested")
    assert "approve or reject" in waiting.message and waiting.resolved_at is None

    approved = await returns.approve("r-1001-1")  # any case
    assert approved.status == "approved" and approved.decided_at is not None
    assert approved.send_by == (
        approved.decided_at.astimezone(db.zone).date() + timedelta(days=db.return_send_days)
    )
    assert (await Alert.get(id=waiting.id)).resolved_at is not None

    sent = await returns.add_return_tracking(start.rma, None, "1Z999AA10123456784")
    assert (sent.status, sent.carrier, sent.tracking_number) == (
        "in_transit",
        "UPS",
        "1Z999AA10123456784",
    )
    assert sent.send_by is None
    assert (
        await returns.record_return_event(
            "1Z999AA10123456784", "in_transit", now() - timedelta(hours=5)
        )
        == 1
    )
    assert (
        await returns.record_return_event(
            "1Z 999 AA1 0123456784", "delivered", now() - timedelta(hours=1)
        )
        == 1
    )
    received = await returns.get_return(start.id)
    assert received.status == "received" and received.milestone == "delivered"

    refunded = await returns.refund(start.rma, 3600, "card")
    issued = refunded.refund_issued_at.astimezone(db.zone).date()
    assert refunded.status == "refunded" and refunded.refund_minor == 3600
    assert refunded.refund_expected == (
        add_business_days(issued, 5, "DE"),
        add_business_days(issued, 10, "DE"),
    )
    closed = await returns.close(start.rma)
    assert closed.status == "closed" and closed.closed_at is not None

    assert [s for _, s in closed.timeline] == [
        "requested",
        "approved",
        "in_transit",
        "received",
        "refunded",
        "closed",
    ]
    assert await return_kinds() == [
        "return_requested",
        "return_approved",
        "return_in_transit",
        "return_received",
        "refund_issued",
        "return_closed",
    ]
    assert await return_changes() == 7  # start, approve, tracking, 2 scans, refund, close
    # One message per return and step, keyed by the return (the episode).
    keys = await Notification.filter(kind__startswith="return").values_list("key", flat=True)
    assert all(f":{start.id}:" in key for key in keys)
    # The return parcel is not one of the order's shipments: the order stays delivered.
    view = await queries.order_view(db, "1001")
    assert view.stage == "delivered" and len(view.shipments) == 1
    assert await Shipment.filter(tracking_number="1Z999AA10123456784").count() == 0
    # The customer's page and the owner's lists see the same return.
    assert await returns.return_view(start.token) == closed
    assert await returns.returns_for_order("#1001") == (closed,)
    page = await returns.list_returns(status="closed")
    assert [(r.rma, r.customer_name, r.quantity) for r in page.rows] == [
        ("R-1001-1", "Ada Lovelace", 2)
    ]
    assert closed.to_json()["timeline"][0][1] == "requested"


async def test_auto_approval_approves_at_once_and_tells_the_customer_once(db):
    token, ids = await delivered_order()
    view = await returns.start_return(
        replace(db, return_approval="auto"),
        token,
        {ids["TEA-200"]: 1},
        "Changed my mind",
        "store_credit",
    )
    assert view.status == "approved" and view.decided_at is not None
    assert await return_kinds() == ["return_approved"]
    assert not await Alert.filter(key__startswith="return:").exists()
    assert [s for _, s in view.timeline] == ["requested", "approved"]


async def test_owner_approval_is_the_default(db):
    token, ids = await delivered_order()
    view = await returns.start_return(db, token, {ids["TEA-200"]: 1}, "Changed my mind", "exchange")
    assert db.return_approval == "owner" and view.status == "requested"


async def test_mark_received_without_tracking_then_exchange_and_credit(db):
    token, ids = await delivered_order()
    first = await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Wrong colour", "exchange")
    with pytest.raises(Conflict, match="not been approved"):
        await returns.add_return_tracking(first.rma, "DHL", "JJD111222333")
    received = await returns.mark_received(first.rma)  # handed in at the shop counter
    assert received.status == "received" and received.decided_at is not None
    assert (await returns.mark_received(first.rma)) == received  # twice: harmless
    exchanged = await returns.exchange(first.rma, "Sent in blue instead")
    assert exchanged.status == "exchanged" and exchanged.resolution_note == "Sent in blue instead"
    assert exchanged.refund_minor is None and exchanged.refund_expected is None

    second = await returns.start_return(
        db, token, {ids["TEA-200"]: 1}, "Not my taste", "store_credit"
    )
    await returns.approve(second.id)
    credited = await returns.credit(second.rma, 1250)
    issued = credited.refund_issued_at.astimezone(db.zone).date()
    assert (credited.status, credited.refund_method) == ("credited", "store_credit")
    assert credited.refund_expected == (issued, issued)  # store credit is there at once
    assert [s for _, s in credited.timeline][-1] == "credited"
    assert await return_kinds() == [
        "return_requested",
        "return_received",
        "exchange_sent",
        "return_requested",
        "return_approved",
        "store_credit_issued",
    ]


class RecordingSender:
    """Stands in for the Apprise sender: keeps what the worker would have sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    async def send(self, url, rendered):
        from shopdesk.notify.send import SendResult

        self.sent.append((url, rendered.title, rendered.text))
        return SendResult(ok=True)


async def test_the_worker_sends_return_messages_in_the_customers_words(db):
    from shopdesk.notify.worker import Worker

    token, ids = await delivered_order()
    await Order.filter(number="1001").update(locale="de")
    view = await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Zu klein", "refund")
    await returns.reject(view.rma, "Gebraucht")
    sender = RecordingSender()
    report = await Worker(replace(db, quiet_hours=None), sender).run_once()
    titles = [title for _, title, _ in sender.sent]
    assert "Wir haben Ihre Rücksendeanfrage zur Bestellung 1001 erhalten" in titles
    assert "Zu Ihrer Rücksendeanfrage für Bestellung 1001" in titles
    assert report.failed == 0 and report.skipped == 0
    assert await Notification.filter(kind__startswith="return", status="sent").count() == 2


# --- the rules ----------------------------------------------------------------------------


async def test_return_window_closes(db):
    token, ids = await delivered_order(delivered_days_ago=31)
    with pytest.raises(Conflict, match="30-day return window for order 1001 closed on"):
        await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Late", "refund")
    options = await returns.return_options(db, token)
    assert not options.allowed and "closed" in options.why_not
    longer = replace(db, return_window_days=60)
    view = await returns.start_return(longer, token, {ids["MUG-01"]: 1}, "Late", "refund")
    assert view.status == "requested"
    # The window counts from the last delivery, in days.
    token2, ids2 = await delivered_order("1002", delivered_days_ago=3)
    with pytest.raises(Conflict, match="window"):
        await returns.start_return(
            db, token2, {ids2["MUG-01"]: 1}, "Late", "refund", now=now() + timedelta(days=28)
        )
    assert await Return.all().count() == 1


async def test_not_delivered_or_cancelled_orders_cannot_be_returned(db):
    token, ids = await delivered_order(deliver=False)
    with pytest.raises(Conflict, match="not been delivered yet"):
        await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Why", "refund")
    await orders.cancel_order("1001")
    with pytest.raises(Conflict, match="cancelled"):
        await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Why", "refund")
    with pytest.raises(NotFound):
        await returns.start_return(db, "x" * 43, {ids["MUG-01"]: 1}, "Why", "refund")
    with pytest.raises(NotFound):
        await returns.start_return(db, "short", {ids["MUG-01"]: 1}, "Why", "refund")
    assert await Return.all().count() == 0 and await return_changes() == 0


async def test_quantities_are_checked_against_what_is_left(db):
    token, ids = await delivered_order()
    _, other_ids = await delivered_order("1002")
    with pytest.raises(InvalidInput, match="has 2 × 'Stoneware mug'"):
        await returns.start_return(db, token, {ids["MUG-01"]: 3}, "Too many", "refund")
    with pytest.raises(InvalidInput, match="not part of order 1001"):
        await returns.start_return(db, token, {other_ids["MUG-01"]: 1}, "Not mine", "refund")
    with pytest.raises(InvalidInput, match="at least one item"):
        await returns.start_return(db, token, {ids["MUG-01"]: 0}, "Nothing", "refund")
    with pytest.raises(InvalidInput, match="whole number"):
        await returns.start_return(db, token, {ids["MUG-01"]: 1.5}, "Half", "refund")
    with pytest.raises(InvalidInput, match="1 or more"):
        await returns.start_return(db, token, {ids["MUG-01"]: -1}, "Less", "refund")
    with pytest.raises(InvalidInput, match="resolution"):
        await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Cash", "cash")

    first = await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Chipped", "refund")
    options = await returns.return_options(db, token)
    assert {i.sku: i.returnable for i in options.items} == {"MUG-01": 1, "TEA-200": 1}
    with pytest.raises(Conflict, match=r"already being returned \(1 in R-1001-1\); 1 more"):
        await returns.start_return(db, token, {ids["MUG-01"]: 2}, "Both", "refund")
    second = await returns.start_return(
        db, token, {ids["MUG-01"]: 1, ids["TEA-200"]: 1}, "The other one too", "refund"
    )
    assert second.rma == "R-1001-2"
    with pytest.raises(Conflict, match="none left"):
        await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Again", "exchange")
    assert not (await returns.return_options(db, token)).allowed
    # A rejected return gives its items back.
    await returns.reject(first.rma, "Chips are not covered")
    third = await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Chipped", "exchange")
    assert third.rma == "R-1001-3"


async def test_non_returnable_skus_are_refused(db):
    token, ids = await delivered_order(
        items=[NewItem("Gift card", 1, 2500, "gift-25"), NewItem("Mug", 1, 1800, "MUG-01")]
    )
    strict = replace(db, non_returnable_skus=("GIFT-*",))
    with pytest.raises(InvalidInput, match="'Gift card' cannot be returned"):
        await returns.start_return(
            strict, token, {ids["gift-25"]: 1, ids["MUG-01"]: 1}, "Unwanted", "refund"
        )
    assert await Return.all().count() == 0
    options = await returns.return_options(strict, token)
    assert {i.sku: i.excluded for i in options.items} == {"gift-25": True, "MUG-01": False}
    assert options.allowed and options.closes_on is not None
    view = await returns.start_return(strict, token, {ids["MUG-01"]: 1}, "Unwanted", "refund")
    assert view.items == (("Mug", 1),)


async def test_duplicate_requests_make_one_return(db):
    token, ids = await delivered_order()
    first = await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Too small", "refund")
    again = await returns.start_return(
        db, token, {str(ids["MUG-01"]): 1}, "Too small!", "refund"
    )  # a double click, a form's string ids
    assert again.rma == first.rma
    assert await Return.all().count() == 1
    assert await return_kinds() == ["return_requested"]
    other = await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Too small", "exchange")
    assert other.rma == "R-1001-2"


# --- the owner's decisions ----------------------------------------------------------------


async def test_reject_tells_the_customer_why(db):
    token, ids = await delivered_order()
    view = await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Used it", "refund")
    with pytest.raises(InvalidInput, match="reason the customer will see"):
        await returns.reject(view.rma, "   ")
    rejected = await returns.reject(view.rma, "Used items cannot be returned")
    assert rejected.status == "rejected"
    assert rejected.rejection_reason == "Used items cannot be returned"
    assert [s for _, s in rejected.timeline] == ["requested", "rejected"]
    assert await returns.reject(view.rma, "Again") == rejected  # harmless, not rewritten
    with pytest.raises(Conflict, match="only requested or expired returns can be approved"):
        await returns.approve(view.rma)
    with pytest.raises(Conflict, match="rejected"):
        await returns.refund(view.rma, 100, "card")
    with pytest.raises(Conflict, match="only refunded, exchanged or credited returns can be"):
        await returns.close(view.rma)
    with pytest.raises(NotFound, match="R-1001-9"):
        await returns.approve("R-1001-9")
    assert await return_kinds() == ["return_requested", "return_rejected"]
    assert (await Alert.get(key=f"return:{view.id}:requested")).resolved_at is not None


async def test_refund_limits(db):
    token, ids = await delivered_order()
    view = await returns.start_return(db, token, {ids["MUG-01"]: 2}, "Too small", "refund")
    with pytest.raises(Conflict, match="requested"):
        await returns.refund(view.rma, 100, "card")  # not approved yet
    await returns.approve(view.rma)
    with pytest.raises(
        InvalidInput,
        match=r"36.01 EUR is more than the returned items cost "
        r"\(36.00 EUR\)",
    ):
        await returns.refund(view.rma, 3601, "card")
    with pytest.raises(InvalidInput, match="more than nothing"):
        await returns.refund(view.rma, 0, "card")
    with pytest.raises(InvalidInput, match="method"):
        await returns.refund(view.rma, 100, "cheque")
    with pytest.raises(InvalidInput, match="whole number"):
        await returns.refund(view.rma, 12.5, "card")
    refunded = await returns.refund(view.rma, 1800, "paypal")  # a partial refund, early
    issued = refunded.refund_issued_at.astimezone(db.zone).date()
    assert refunded.refund_expected == (
        add_business_days(issued, 1, "DE"),
        add_business_days(issued, 3, "DE"),
    )
    with pytest.raises(Conflict, match=r"refunded already \(18.00 EUR by paypal\)"):
        await returns.refund(view.rma, 1800, "card")
    with pytest.raises(Conflict):
        await returns.exchange(view.rma)
    assert await return_kinds() == ["return_requested", "return_approved", "refund_issued"]


async def test_refund_expected_by_method():
    from shopdesk.config import Settings

    settings = Settings(country="DE", timezone="Europe/Berlin")
    friday = datetime(2026, 11, 27, 15, tzinfo=UTC)
    assert returns.refund_expected(settings, friday, "card") == (
        date(2026, 12, 4),
        date(2026, 12, 11),
    )
    assert returns.refund_expected(settings, friday, "paypal") == (
        date(2026, 11, 30),
        date(2026, 12, 2),
    )
    assert returns.refund_expected(settings, friday, "bank_transfer") == (
        date(2026, 12, 2),
        date(2026, 12, 4),
    )
    assert returns.refund_expected(settings, friday, "store_credit") == (
        date(2026, 11, 27),
        date(2026, 11, 27),
    )


# --- expiry -------------------------------------------------------------------------------


async def test_approved_returns_expire_when_nothing_is_sent(db):
    token, ids = await delivered_order()
    idle = await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Too small", "refund")
    sent = await returns.start_return(db, token, {ids["TEA-200"]: 1}, "Stale", "refund")
    waiting = await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Other", "exchange")
    await returns.approve(idle.rma)
    await returns.approve(sent.rma)
    await returns.add_return_tracking(sent.rma, "DHL", "JJD000111222")
    assert await returns.expire_returns(db, now() + timedelta(days=13)) == 0
    changes = await return_changes()
    assert await returns.expire_returns(db, now() + timedelta(days=15)) == 1
    assert await returns.expire_returns(db, now() + timedelta(days=15)) == 0
    assert await return_changes() == changes + 1
    # The customer hears once that it expired (and of nothing else that did not change).
    expired = await Notification.filter(kind="return_expired").values_list("reason", flat=True)
    assert expired == [f"return:{idle.id}"]
    assert (await returns.get_return(idle.rma)).status == "expired"
    assert (await returns.get_return(sent.rma)).status == "in_transit"
    assert (await returns.get_return(waiting.rma)).status == "requested"  # nobody decided yet
    with pytest.raises(Conflict, match="expired because nothing was sent"):
        await returns.add_return_tracking(idle.rma, "DHL", "JJD000333444")
    # An expired return gives its items back, and the owner may approve it again.
    assert {i.sku: i.returnable for i in (await returns.return_options(db, token)).items} == {
        "MUG-01": 1,
        "TEA-200": 0,
    }
    again = await returns.approve(idle.rma)
    assert again.status == "approved" and again.send_by is not None
    assert (
        await returns.expire_returns(replace(db, return_send_days=30), now() + timedelta(days=15))
        == 0
    )
    # The new period is news to the customer, and so is its end; each step once per period.
    assert await returns.approve(idle.rma) == await returns.get_return(idle.rma)
    assert await returns.expire_returns(db, now() + timedelta(days=30)) == 1
    kinds = (
        await Notification.filter(reason=f"return:{idle.id}")
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "return_requested",
        "return_approved",
        "return_expired",
        "return_approved",
        "return_expired",
    ]


# --- the return parcel --------------------------------------------------------------------


async def test_return_parcel_scans(db):
    token, ids = await delivered_order()
    first = await returns.start_return(
        replace(db, return_approval="auto"), token, {ids["MUG-01"]: 1}, "Too small", "refund"
    )
    second = await returns.start_return(
        replace(db, return_approval="auto"), token, {ids["TEA-200"]: 1}, "Stale", "refund"
    )
    with pytest.raises(NotFound, match="no return has tracking number"):
        await returns.record_return_event("JJD999999999", "in_transit", now())
    with pytest.raises(InvalidInput, match="carrier"):
        await returns.add_return_tracking(first.rma, "", "ZZ1234")
    with pytest.raises(InvalidInput, match="4-40 letters"):
        await returns.add_return_tracking(first.rma, "DHL", "<b>")
    for ret in (first, second):  # one parcel for both returns
        await returns.add_return_tracking(ret.rma, "DHL", "JJD555666777")
    assert await returns.add_return_tracking(
        first.rma, "DHL", "JJD555666777"
    ) == await returns.get_return(first.rma)  # the same number again: nothing changes

    t = now() - timedelta(hours=10)
    assert await returns.record_return_event("JJD555666777", "in_transit", t) == 2
    assert await returns.record_return_event("JJD555666777", "in_transit", t) == 0  # duplicate
    assert (
        await returns.record_return_event("JJD555666777", "label_created", t - timedelta(hours=5))
        == 0
    )  # older: ignored
    with pytest.raises(InvalidInput, match="unknown milestone"):
        await returns.record_return_event("JJD555666777", "teleported", t)
    with pytest.raises(InvalidInput, match="time zone"):
        await returns.record_return_event("JJD555666777", "in_transit", datetime(2026, 11, 1, 12))
    await returns.record_return_event("JJD555666777", "exception", t + timedelta(hours=1))
    assert (await returns.get_return(first.rma)).status == "in_transit"
    problems = await Alert.filter(kind="return_parcel").count()
    assert problems == 2

    assert (
        await returns.record_return_event("JJD555666777", "delivered", t + timedelta(hours=3)) == 2
    )
    for ret in (first, second):
        view = await returns.get_return(ret.rma)
        assert view.status == "received" and view.received_at == t + timedelta(hours=3)
    # A late scan never moves a received return back.
    await returns.record_return_event("JJD555666777", "in_transit", t + timedelta(hours=4))
    view = await returns.get_return(first.rma)
    assert view.status == "received" and view.milestone == "in_transit"
    assert await return_kinds() == [
        "return_approved",
        "return_approved",
        "return_in_transit",
        "return_in_transit",
        "return_received",
        "return_received",
    ]
    assert await Alert.filter(kind="return_received").count() == 2
    # Received returns can't take a new tracking number.
    with pytest.raises(Conflict, match="received"):
        await returns.add_return_tracking(first.rma, "DHL", "JJD000000001")


async def test_correcting_a_return_tracking_number(db):
    token, ids = await delivered_order()
    view = await returns.start_return(
        replace(db, return_approval="auto"), token, {ids["MUG-01"]: 1}, "Too small", "refund"
    )
    await returns.add_return_tracking(view.rma, "DHL", "JJD111111111")
    await returns.record_return_event("JJD111111111", "in_transit", now())
    fixed = await returns.add_return_tracking(view.rma, "DHL", "JJD222222222")
    assert fixed.tracking_number == "JJD222222222" and fixed.milestone is None
    with pytest.raises(NotFound):
        await returns.record_return_event("JJD111111111", "delivered", now())


# --- hostile and odd input ----------------------------------------------------------------


async def test_hostile_text_is_stored_as_text_within_limits(db):
    token, ids = await delivered_order()
    evil = "<script>alert(1)</script> & <b>bold</b>\x00\x1b[31m\r\nsecond line"
    view = await returns.start_return(db, token, {ids["MUG-01"]: 1}, evil, "refund")
    assert view.reason == "<script>alert(1)</script> & <b>bold</b>[31m\nsecond line"
    assert (await Return.get(id=view.id)).reason == view.reason
    with pytest.raises(InvalidInput, match="at most 500"):
        await returns.start_return(db, token, {ids["TEA-200"]: 1}, "x" * 501, "refund")
    with pytest.raises(InvalidInput, match="reason for the return"):
        await returns.start_return(db, token, {ids["TEA-200"]: 1}, " \n\t ", "refund")
    with pytest.raises(InvalidInput, match="must be text"):
        await returns.start_return(db, token, {ids["TEA-200"]: 1}, None, "refund")
    accents = await returns.start_return(db, token, {ids["TEA-200"]: 1}, "ä" * 500, "refund")
    assert accents.reason == "ä" * 500
    with pytest.raises(InvalidInput, match="at most 500"):
        await returns.exchange(view.rma, "n" * 501)
    for bad in ("", "x" * 19, "y" * 65, "'; DROP TABLE order_return; --" + "z" * 20):
        with pytest.raises(NotFound):
            await returns.return_view(bad)
    for bad in ("", "R-", "R-1001-99", "999999", "x" * 300):
        with pytest.raises(NotFound):
            await returns.get_return(bad)


async def test_list_returns_pages_and_filters(db):
    auto = replace(db, return_approval="auto")
    for n in range(5):
        token, ids = await delivered_order(str(2000 + n))
        await returns.start_return(
            auto if n % 2 else db, token, {ids["MUG-01"]: 1}, "Too small", "refund"
        )
    first = await returns.list_returns(limit=2)
    assert [r.order_number for r in first.rows] == ["2004", "2003"]
    second = await returns.list_returns(limit=2, after=first.next_cursor)
    third = await returns.list_returns(limit=2, after=second.next_cursor)
    assert [r.order_number for r in second.rows + third.rows] == ["2002", "2001", "2000"]
    assert third.next_cursor is None
    assert [r.status for r in (await returns.list_returns(status="approved")).rows] == [
        "approved",
        "approved",
    ]
    assert len((await returns.list_returns(status="open")).rows) == 5
    counts = await returns.count_returns()
    assert counts["requested"] == 3 and counts["approved"] == 2 and counts["closed"] == 0
    with pytest.raises(InvalidInput, match="unknown return status"):
        await returns.list_returns(status="lost")
    with pytest.raises(InvalidInput, match="cursor"):
        await returns.list_returns(after="abc")
    with pytest.raises(InvalidInput, match="limit"):
        await returns.list_returns(limit=0)


# --- settings -----------------------------------------------------------------------------


def test_returns_settings_load_and_validate(tmp_path: Path):
    path = tmp_path / "shopdesk.toml"
    path.write_text(
        '[returns]\nwindow_days = 14\napproval = "auto"\n'
        'non_returnable_skus = ["GIFT-*", " SALE-01 "]\n',
        encoding="utf-8",
    )
    loaded = load_settings(path, data_dir=tmp_path)
    assert (loaded.return_window_days, loaded.return_approval, loaded.non_returnable_skus) == (
        14,
        "auto",
        ("GIFT-*", "SALE-01"),
    )
    assert loaded.return_send_days == 14
    for bad, message in (
        ('approval = "sometimes"', "returns.approval"),
        ("window_days = -1", "returns.window_days"),
        ('window_days = "30"', "whole number"),
        ("non_returnable_skus = [1]", "list of strings"),
        ("refund_days = 3", "unknown setting returns.refund_days"),
    ):
        path.write_text(f"[returns]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_settings(path, data_dir=tmp_path)


def test_return_kinds_may_be_routed_to_channels(tmp_path: Path):
    path = tmp_path / "shopdesk.toml"
    path.write_text(
        '[notifications.channels]\nemail = "mailto://x"\n'
        '[notifications.milestones]\nrefund_issued = ["email"]\n'
        "return_requested = []\n",
        encoding="utf-8",
    )
    loaded = load_settings(path, data_dir=tmp_path)
    assert loaded.milestone_channels["refund_issued"] == ("email",)
