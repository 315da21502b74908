"""Services on a real database: orders, shipments, the engine end to end, views and the list."""

from datetime import date, timedelta

import pytest

from shopdesk.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from shopdesk.models import Order, TrackingEvent
from shopdesk.services import orders, queries, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.services.shipments import NewEvent
from tests.conftest import at


def order(number="1001", **changes) -> NewOrder:
    fields = dict(
        number=number,
        placed_at=at("2026-11-02 09:00"),
        currency="EUR",
        items=[NewItem("Stoneware mug", 2, 1800, "MUG-01")],
        email="ada@example.com",
        name="Ada Lovelace",
        country="DE",
        postcode="10115",
        city="Berlin",
    )
    fields.update(changes)
    return NewOrder(**fields)


def scan(tracking, when, milestone=None, description="", **kw) -> NewEvent:
    return NewEvent(
        tracking_number=tracking,
        occurred_at=at(when),
        milestone=milestone,
        description=description,
        **kw,
    )


async def test_create_order_accepts_hash_and_rejects_duplicates(db):
    assert await orders.create_order(order("#1001")) == "1001"
    with pytest.raises(AlreadyExists):
        await orders.create_order(order("1001"))
    view = await queries.order_view(db, "#1001")
    assert view.stage == "confirmed"
    assert view.total_minor == 3600
    assert view.tracking_url == f"https://shop.example/t/{view.token}"
    assert len(view.token) >= 43  # 256 random bits, URL-safe


async def test_tokens_are_unique_and_random(db):
    await orders.create_orders([order(str(n), email=None) for n in range(2000, 2050)])
    tokens = {o.token for o in await Order.all()}
    assert len(tokens) == 50


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"number": "  "}, "empty"),
        ({"number": "x" * 65}, "longer than 64"),
        ({"currency": "euro"}, "three-letter"),
        ({"email": "not-an-email"}, "not valid"),
        ({"country": "Germany"}, "two-letter"),
        ({"items": [NewItem("Mug", 0, 100)]}, "quantity 0"),
        ({"items": [NewItem("Mug", -2, 100)]}, "quantity -2"),
        ({"items": [NewItem("Mug", 1, -100)]}, "negative"),
        ({"items": [NewItem("", 1, 100)]}, "no title"),
    ],
)
async def test_invalid_orders_are_refused_with_a_reason(db, changes, message):
    with pytest.raises(InvalidInput, match=message):
        await orders.create_order(order(**changes))
    assert await Order.all().count() == 0


async def test_naive_times_are_refused(db):
    from datetime import datetime

    with pytest.raises(InvalidInput, match="no time zone"):
        await orders.create_order(order(placed_at=datetime(2026, 11, 2, 9)))


async def test_journey_out_of_order_and_duplicate_events(db):
    await orders.create_order(order())
    await shipments.add_shipment("1001", "1Z999AA10123456784", shipped_at=at("2026-11-02 15:00"))
    view = await queries.order_view(db, "1001")
    assert view.shipments[0].carrier == "UPS"  # guessed from the number
    assert view.stage == "shipped"

    # Delivered arrives before the earlier scans; duplicates arrive twice.
    result = await shipments.record_events(
        [
            scan("1Z999AA10123456784", "2026-11-04 14:10", "delivered", "Delivered"),
            scan("1Z999AA10123456784", "2026-11-03 08:00", "in_transit", "Departed facility"),
            scan("1Z999AA10123456784", "2026-11-04 07:30", "out_for_delivery", "Out for delivery"),
            scan("1Z999AA10123456784", "2026-11-03 08:00", "in_transit", "Departed facility"),
        ]
    )
    assert (result.recorded, result.duplicates) == (3, 1)
    again = await shipments.record_events(
        [scan("1Z999AA10123456784", "2026-11-04 14:10", "delivered", "Delivered")]
    )
    assert (again.recorded, again.duplicates) == (0, 1)

    view = await queries.order_view(db, "1001")
    parcel = view.shipments[0]
    assert parcel.milestone == "delivered"
    assert parcel.delivered_at == at("2026-11-04 14:10")
    assert [e.milestone for e in parcel.events] == ["delivered", "out_for_delivery", "in_transit"]
    assert view.stage == "delivered"
    assert parcel.estimate is None  # delivered: no estimate to show

    # A late "in transit" (after delivery time, carrier clock skew) changes nothing.
    await shipments.record_event(scan("1Z999AA10123456784", "2026-11-04 16:00", "in_transit"))
    assert (await queries.order_view(db, "1001")).shipments[0].milestone == "delivered"
    # Return to sender after delivery is reality moving it back.
    await shipments.record_event(
        scan("1Z999AA10123456784", "2026-11-06 09:00", "returning_to_sender", "Refused")
    )
    view = await queries.order_view(db, "1001")
    assert view.shipments[0].milestone == "returning_to_sender"
    assert view.attention == "returning to sender"


async def test_split_shipment_stages_and_attention(db):
    await orders.create_order(order())
    await shipments.add_shipment("1001", "AAA111", carrier="DHL", shipped_at=at("2026-11-02 15:00"))
    await shipments.add_shipment("1001", "BBB222", carrier="DHL", shipped_at=at("2026-11-03 15:00"))
    await shipments.record_event(scan("AAA111", "2026-11-04 10:00", "delivered"))
    assert (await queries.order_view(db, "1001")).stage == "partly_delivered"
    await shipments.record_event(
        scan(
            "BBB222",
            "2026-11-04 09:00",
            "exception",
            reason="customs",
            description="Held by customs",
        )
    )
    view = await queries.order_view(db, "1001")
    assert view.attention == "carrier exception: customs"
    await shipments.record_event(scan("BBB222", "2026-11-05 11:00", "delivered"))
    view = await queries.order_view(db, "1001")
    assert (view.stage, view.attention) == ("delivered", None)


async def test_text_only_events_go_through_the_normaliser(db):
    await orders.create_order(order())
    await shipments.add_shipment("1001", "00340434161094042557", carrier="DHL Paket")
    await shipments.record_event(
        scan(
            "00340434161094042557",
            "2026-11-03 10:00",
            description="Die Sendung wurde erfolgreich zugestellt.",
        )
    )
    view = await queries.order_view(db, "1001")
    assert view.shipments[0].milestone == "delivered"
    assert view.shipments[0].status_text == "Die Sendung wurde erfolgreich zugestellt."


async def test_unknown_tracking_numbers_are_reported_not_lost(db):
    result = await shipments.record_events([scan("NOPE1234", "2026-11-03 10:00", "delivered")])
    assert result.unknown == ["NOPE1234"]
    with pytest.raises(NotFound):
        await shipments.record_event(scan("NOPE1234", "2026-11-03 10:00", "delivered"))


async def test_bad_events_write_nothing(db):
    await orders.create_order(order())
    await shipments.add_shipment("1001", "AAA111", carrier="DHL")
    with pytest.raises(InvalidInput, match="unknown milestone"):
        await shipments.record_events(
            [
                scan("AAA111", "2026-11-03 10:00", "in_transit"),
                scan("AAA111", "2026-11-03 11:00", "teleported"),
            ]
        )
    assert await TrackingEvent.all().count() == 0


async def test_shipment_rules(db):
    await orders.create_order(order())
    with pytest.raises(InvalidInput, match="cannot tell the carrier"):
        await shipments.add_shipment("1001", "ABCD1234")
    with pytest.raises(InvalidInput, match="4-40 letters"):
        await shipments.add_shipment("1001", "<script>", carrier="DHL")
    with pytest.raises(NotFound):
        await shipments.add_shipment("9999", "ABCD1234", carrier="DHL")
    await shipments.add_shipment("1001", "abcd 1234", carrier="DHL")
    with pytest.raises(AlreadyExists):
        await shipments.add_shipment("1001", "ABCD1234", carrier="DHL")
    await orders.cancel_order("1001", "customer changed their mind")
    with pytest.raises(Conflict, match="cancelled"):
        await shipments.add_shipment("1001", "EFGH5678", carrier="DHL")


async def test_cancel_and_notes(db):
    await orders.create_order(order())
    await orders.cancel_order("#1001", "out of stock")
    await orders.cancel_order("1001")  # twice is harmless
    await orders.add_note("1001", "  Refunded by bank transfer  ")
    view = await queries.order_view(db, "1001")
    assert view.stage == "cancelled" and view.cancelled_at is not None
    assert [n.body for n in view.notes] == ["Refunded by bank transfer"]
    with pytest.raises(InvalidInput):
        await orders.add_note("1001", "   ")
    await orders.create_order(order("1002"))
    await shipments.add_shipment("1002", "AAA111", carrier="DHL")
    await shipments.record_event(scan("AAA111", "2026-11-03 10:00", "delivered"))
    with pytest.raises(Conflict, match="delivered"):
        await orders.cancel_order("1002")


async def test_every_write_appends_to_the_change_feed(db):
    start = await queries.last_change_id()
    await orders.create_order(order())
    shipment_id = await shipments.add_shipment("1001", "AAA111", carrier="DHL")
    await shipments.record_event(scan("AAA111", "2026-11-03 10:00", "in_transit"))
    await orders.add_note("1001", "hello")
    await shipments.edit_shipment(shipment_id, service="Express")
    await orders.cancel_order("1001")
    feed = await queries.changes_since(start)
    assert [c.kind for c in feed] == [
        "created",
        "shipment",
        "tracking",
        "note",
        "shipment",
        "cancelled",
    ]
    order_id = (await Order.get(number="1001")).id
    assert {c.order_id for c in feed} == {order_id}
    assert [c.id for c in feed] == sorted({c.id for c in feed})
    # a follower that saw everything gets nothing more
    assert await queries.changes_since(feed[-1].id) == []
    assert await queries.last_change_id() == feed[-1].id
    assert len(await queries.changes_since(start, limit=2)) == 2


async def test_edit_shipment(db):
    await orders.create_order(order())
    shipment_id = await shipments.add_shipment("1001", "AAA111", carrier="DHL")
    await shipments.edit_shipment(
        shipment_id,
        carrier="DHL Express",
        service="Express 12:00",
        shipped_at=at("2026-11-27 10:00"),
        estimate=(date(2026, 11, 30), None),
    )
    parcel = (await queries.order_view(db, "1001")).shipments[0]
    assert (parcel.carrier, parcel.service) == ("DHL Express", "Express 12:00")
    assert parcel.shipped_at == at("2026-11-27 10:00")
    assert parcel.estimate == (date(2026, 11, 30), date(2026, 11, 30))
    with pytest.raises(NotFound):
        await shipments.edit_shipment(999_999, service="x")


async def test_carrier_estimate_wins_over_shop_estimate(db):
    await orders.create_order(order())
    await shipments.add_shipment("1001", "AAA111", carrier="DHL", shipped_at=at("2026-11-27 10:00"))
    parcel = (await queries.order_view(db, "1001")).shipments[0]
    assert parcel.estimate_source == "shop"
    assert parcel.estimate[0] > date(2026, 11, 27)
    await shipments.record_event(
        scan(
            "AAA111",
            "2026-11-28 10:00",
            "in_transit",
            estimate=(date(2026, 12, 2), date(2026, 12, 3)),
        )
    )
    parcel = (await queries.order_view(db, "1001")).shipments[0]
    assert parcel.estimate == (date(2026, 12, 2), date(2026, 12, 3))
    assert parcel.estimate_source == "carrier"


async def test_list_search_filters_and_keyset_paging(db):
    base = at("2026-10-01 09:00")
    batch = [
        order(
            str(5000 + i),
            placed_at=base + timedelta(hours=i),
            email=f"c{i}@example.com",
            name=f"Customer {i}",
        )
        for i in range(120)
    ]
    batch[7] = order(
        "5007", placed_at=base + timedelta(hours=7), email="zoe@example.com", name="Zoë Ångström"
    )
    await orders.create_orders(batch)
    await shipments.add_shipment("5042", "1Z999AA10123456784", shipped_at=at("2026-10-10 10:00"))

    seen, cursor = [], None
    while True:
        page = await queries.list_orders(limit=50, after=cursor)
        seen += [r.number for r in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [str(5000 + i) for i in reversed(range(120))]

    assert [r.number for r in (await queries.list_orders(search="#5007")).rows] == ["5007"]
    assert [r.number for r in (await queries.list_orders(search="ångström")).rows] == ["5007"]
    assert [r.number for r in (await queries.list_orders(search="ZOE@EXAMPLE")).rows] == ["5007"]
    assert [r.number for r in (await queries.list_orders(search="1z999aa1")).rows] == ["5042"]
    assert [r.number for r in (await queries.list_orders(search="%")).rows] == []
    assert [r.number for r in (await queries.list_orders(stage="shipped")).rows] == ["5042"]
    assert [r.number for r in (await queries.list_orders(carrier="ups")).rows] == ["5042"]
    assert (await queries.list_orders(attention=True)).rows == ()
    counts = await queries.count_by_stage()
    assert counts["confirmed"] == 119 and counts["shipped"] == 1 and counts["delivered"] == 0
    with pytest.raises(InvalidInput):
        await queries.list_orders(stage="teleported")
    with pytest.raises(InvalidInput):
        await queries.list_orders(after="garbage")
