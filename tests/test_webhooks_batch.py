"""The inbox's batch path on a real database: deliveries stored in one group and processed in
one batch, where a duplicate, a bad body or an unknown parcel must not cost the others."""

import json
from datetime import UTC, datetime, timedelta

from shopdesk.models import Change, RawInput, Shipment, TrackingEvent
from shopdesk.services import orders, queries, rawsql, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.webhooks import inbox, read
from shopdesk.webhooks.inbox import Incoming

NOW = datetime.now(UTC).replace(microsecond=0)


async def parcel(number: str, tracking: str) -> None:
    await orders.create_orders(
        [
            NewOrder(
                number=number,
                placed_at=NOW - timedelta(days=5),
                currency="EUR",
                items=[NewItem("Mug", 1, 1800)],
                email=f"{number}@example.com",
                name="Ada Lovelace",
            )
        ]
    )
    await shipments.add_shipment(
        number, tracking, carrier="UPS", shipped_at=NOW - timedelta(days=4)
    )


def easypost(delivery: str, tracking: str, status: str, message: str, hours_ago: int) -> str:
    at = NOW - timedelta(hours=hours_ago)
    return json.dumps(
        {
            "id": delivery,
            "object": "Event",
            "description": "tracker.updated",
            "result": {
                "object": "Tracker",
                "tracking_code": tracking,
                "status": status,
                "tracking_details": [
                    {
                        "message": message,
                        "status": status,
                        "datetime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "tracking_location": {"city": "Hub", "country": "DE"},
                    }
                ],
            },
        }
    )


def incoming(body: str) -> Incoming:
    delivery = read("easypost", body, {})
    return Incoming(
        source="easypost",
        body=body,
        headers={"content-type": "application/json"},
        key=delivery.key,
        topic=delivery.topic,
        event_id=delivery.event_id,
        ref="127.0.0.1",
        work=delivery.work,
    )


async def store_and_process(items: list[Incoming], *, parsed: bool = True) -> list[int]:
    """Store one group, process it as one batch; the stored ids (duplicates included)."""
    stored = await inbox.store(items)
    await inbox.process(
        [
            (s.id, item.work if parsed else None)
            for s, item in zip(stored, items, strict=True)
            if not s.duplicate
        ]
    )
    return [s.id for s in stored]


async def outcome(raw_id: int) -> tuple[str, str]:
    row = await RawInput.get(id=raw_id)
    return row.status, row.error


async def test_duplicate_in_one_group_is_stored_once_and_recorded_once(db):
    await parcel("2001", "EZ1000000001")
    first = incoming(easypost("evt_a", "EZ1000000001", "in_transit", "Departed hub", 20))
    again = incoming(first.body)  # the sender retried before the first was answered
    other = incoming(easypost("evt_b", "EZ1000000001", "out_for_delivery", "On the van", 2))
    stored = await inbox.store([first, again, other])
    assert [s.duplicate for s in stored] == [False, True, False]
    assert stored[0].id == stored[1].id != stored[2].id
    await inbox.process([(stored[0].id, first.work), (stored[2].id, other.work)])
    assert await RawInput.all().count() == 2
    assert await TrackingEvent.all().count() == 2
    assert [await outcome(s.id) for s in stored] == [("processed", "")] * 3

    retry = await inbox.store([incoming(other.body)])  # a later retry: still nothing new
    assert retry[0].duplicate and retry[0].id == stored[2].id
    assert await RawInput.all().count() == 2


async def test_same_scan_in_two_deliveries_of_one_batch_is_one_event(db):
    await parcel("2002", "EZ1000000002")
    a = incoming(easypost("evt_1", "EZ1000000002", "out_for_delivery", "On the van", 3))
    b = incoming(a.body.replace("evt_1", "evt_2"))  # a new delivery id, the same scan
    ids = await store_and_process([a, b])
    assert len(set(ids)) == 2
    assert [await outcome(i) for i in ids] == [("processed", "")] * 2
    assert await TrackingEvent.all().count() == 1


async def test_one_bad_delivery_in_a_batch_loses_none_of_the_others(db):
    await parcel("2003", "EZ1000000003")
    await parcel("2004", "EZ1000000004")
    good = incoming(easypost("evt_g", "EZ1000000003", "delivered", "Delivered", 1))
    future = incoming(easypost("evt_f", "EZ1000000004", "in_transit", "Sorted", -24 * 400))
    broken = Incoming(
        source="easypost",
        body='{"id": "evt_x", "description": "tracker.updated"',
        headers={},
        key="broken-body-key",
        ref="127.0.0.1",
    )
    later = incoming(easypost("evt_l", "EZ1000000004", "in_transit", "Departed hub", 5))
    # Parsed from the stored bodies, as after a restart: the broken one fails only there.
    ids = await store_and_process([good, future, broken, later], parsed=False)
    results = [await outcome(i) for i in ids]
    assert results[0] == results[3] == ("processed", "")
    assert results[1][0] == "error" and "more than a year ahead" in results[1][1]
    assert results[2][0] == "error" and "not valid JSON" in results[2][1]
    assert await TrackingEvent.all().count() == 2
    assert (await queries.order_view(db, "2003")).stage == "delivered"
    view = await queries.order_view(db, "2004")
    assert view.shipments[0].milestone == "in_transit"
    assert view.shipments[0].status_text == "Departed hub"


async def test_unknown_tracking_number_in_a_batch_is_unmatched_until_replayed(db):
    await parcel("2005", "EZ1000000005")
    known = incoming(easypost("evt_k", "EZ1000000005", "in_transit", "Departed hub", 6))
    unknown = incoming(easypost("evt_u", "EZ1000000099", "delivered", "Delivered", 1))
    ids = await store_and_process([known, unknown])
    assert await outcome(ids[0]) == ("processed", "")
    status, error = await outcome(ids[1])
    assert status == "unmatched" and "EZ1000000099" in error
    assert await TrackingEvent.all().count() == 1

    await parcel("2006", "EZ1000000099")
    assert await inbox.replay(ids[1]) == ("processed", "")
    assert (await queries.order_view(db, "2006")).stage == "delivered"


async def test_batch_folds_events_in_the_order_they_happened(db):
    await parcel("2007", "EZ1000000007")
    before = await Change.all().count()
    deliveries = [  # arriving newest first
        incoming(easypost("evt_3", "EZ1000000007", "delivered", "Left with neighbour", 1)),
        incoming(easypost("evt_2", "EZ1000000007", "out_for_delivery", "On the van", 5)),
        incoming(easypost("evt_1", "EZ1000000007", "in_transit", "Departed hub", 30)),
    ]
    await store_and_process(deliveries)
    shipment = await Shipment.get(tracking_number="EZ1000000007")
    assert shipment.milestone == "delivered"
    assert shipment.status_text == "Left with neighbour"
    assert shipment.delivered_at == shipment.last_event_at == NOW - timedelta(hours=1)
    assert (await queries.order_view(db, "2007")).stage == "delivered"
    assert await Change.all().count() == before + 1  # one change-feed row for the batch


async def test_rawsql_returns_the_rows_of_insert_returning(db):
    """On asyncpg, Tortoise's execute_query runs an INSERT without fetching its rows."""
    p = rawsql.Params()
    rows = p.rows([(None, "probe", NOW), (None, "probe", NOW)])
    returned = await rawsql.fetch(
        f'INSERT INTO "change" (order_id, kind, at) VALUES {rows} '
        "RETURNING id AS change_id, kind AS change_kind",
        p,
    )
    assert [kind for _, kind in returned] == ["probe", "probe"]
    assert {i for i, _ in returned} == set(
        await Change.filter(kind="probe").values_list("id", flat=True)
    )
    q = rawsql.Params()
    stored = await rawsql.fetch(
        f'SELECT at AS change_at FROM "change" WHERE id = {q(returned[0][0])}', q
    )
    assert rawsql.to_datetime(stored[0][0]) == NOW
