"""The watch with an injected clock: non-events become one episode each, cleared by a scan."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shopdesk.models import Alert, Notification, Order, Shipment
from shopdesk.notify.watch import watch
from shopdesk.services import orders, queries, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.services.shipments import NewEvent

CHANNELS = {"email": "mailto://shop:pw@127.0.0.1:2525?to={email}"}
START = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def settings(settings):
    return replace(
        settings,
        channels=CHANNELS,
        stalled_days=3,
        label_only_days=2,
        handling_days=2,
        transit_days=(20, 30),
        transit=(),
    )


async def delayed_messages() -> list[Notification]:
    return list(await Notification.filter(kind="delayed").order_by("id"))


async def test_a_parcel_without_scans_stalls_once_and_clears_on_the_next_scan(db):
    await orders.create_order(
        NewOrder(
            "1001",
            START,
            "EUR",
            [NewItem("Mug", 1, 100)],
            email="ada@example.com",
            name="Ada",
            country="DE",
        )
    )
    await shipments.add_shipment("1001", "AAA111", carrier="DHL", shipped_at=START)
    await shipments.record_event(NewEvent("AAA111", START + timedelta(hours=5), "in_transit"))

    assert (await watch(db, now=START + timedelta(days=1)))["stalled"] == 0
    later = START + timedelta(days=8)  # well past 3 business days without a scan
    assert (await watch(db, now=later))["stalled"] == 1
    parcel = await Shipment.get(tracking_number="AAA111")
    assert parcel.watch == "stalled"
    assert [(n.kind, n.reason, n.channel) for n in await delayed_messages()] == [
        ("delayed", "stalled", "email")
    ]
    alert = await Alert.get(kind="stalled")
    assert "AAA111" in alert.message and "no carrier scan" in alert.message
    view = await queries.order_view(db, "1001")
    assert view.attention.startswith("stalled")

    # The next pass repeats nothing.
    assert (await watch(db, now=later + timedelta(hours=1)))["stalled"] == 0
    assert len(await delayed_messages()) == 1 and await Alert.all().count() == 1

    # A scan ends the episode; a new stall later is a new episode.
    await shipments.record_event(
        NewEvent("AAA111", later + timedelta(hours=2), "in_transit", description="Arrived at hub")
    )
    assert (await Shipment.get(tracking_number="AAA111")).watch is None
    assert (await queries.order_view(db, "1001")).attention is None
    again = later + timedelta(days=9)
    assert (await watch(db, now=again))["stalled"] == 1
    assert len(await delayed_messages()) == 2 and await Alert.all().count() == 2


async def test_label_only_parcels_and_late_parcels(db):
    for number in ("1001", "1002"):
        await orders.create_order(
            NewOrder(
                number,
                START,
                "EUR",
                [NewItem("Mug", 1, 100)],
                email=f"c{number}@example.com",
                country="DE",
            )
        )
    await shipments.add_shipment("1001", "LABEL1", carrier="DHL", shipped_at=START)
    await shipments.add_shipment(
        "1002",
        "MOVING1",
        carrier="DHL",
        shipped_at=START,
        estimate=(None, (START + timedelta(days=2)).date()),
    )
    # 1002 keeps getting scans, but passes its carrier's estimate.
    for day in range(1, 6):
        await shipments.record_event(
            NewEvent("MOVING1", START + timedelta(days=day), "in_transit", description=f"Hub {day}")
        )
    found = await watch(db, now=START + timedelta(days=5, hours=1))
    assert found == {"stalled": 1, "late": 1, "dispatch_delayed": 0}
    assert (await Shipment.get(tracking_number="LABEL1")).watch == "stalled"
    assert (await Shipment.get(tracking_number="MOVING1")).watch == "late"
    assert "a label but no carrier scan" in (await Alert.get(kind="stalled")).message
    assert "past its estimated delivery" in (await Alert.get(kind="late")).message


async def test_orders_not_shipped_in_time(db):
    await orders.create_order(
        NewOrder(
            "1001", START, "EUR", [NewItem("Mug", 1, 100)], email="ada@example.com", country="DE"
        )
    )
    await orders.create_order(
        NewOrder(
            "1002", START, "EUR", [NewItem("Mug", 1, 100)], email="bob@example.com", country="DE"
        )
    )
    await orders.cancel_order("1002")
    assert (await watch(db, now=START + timedelta(days=1)))["dispatch_delayed"] == 0
    assert (await watch(db, now=START + timedelta(days=6)))["dispatch_delayed"] == 1
    assert (await watch(db, now=START + timedelta(days=7)))["dispatch_delayed"] == 0
    assert (await Order.get(number="1001")).attention == "not shipped within the handling time"
    assert [(n.kind, n.reason) for n in await delayed_messages()] == [("delayed", "dispatch")]
    await shipments.add_shipment("1001", "AAA111", carrier="DHL")
    assert (await Order.get(number="1001")).attention is None
