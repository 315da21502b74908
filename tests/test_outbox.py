"""Planning messages in the outbox: one per milestone per channel, digests, cut-offs, opt-out,
claiming and giving up."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shopdesk.models import Alert, Customer, Notification
from shopdesk.notify import outbox
from shopdesk.notify.optout import opt_out, unsubscribe_token
from shopdesk.services import orders, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.services.shipments import NewEvent

CHANNELS = {
    "email": "mailto://shop:pw@127.0.0.1:2525?to={email}",
    "chat": "json://127.0.0.1:9/hook/{order}",
}


@pytest.fixture
def settings(settings):
    return replace(settings, channels=CHANNELS)


def now() -> datetime:
    return datetime.now(UTC)


async def new_order(number="1001", placed_at=None, **kw) -> None:
    await orders.create_order(
        NewOrder(
            number=number,
            placed_at=placed_at or now() - timedelta(hours=1),
            currency="EUR",
            items=[NewItem("Mug", 1, 1800)],
            email=kw.pop("email", "ada@example.com"),
            name="Ada Lovelace",
            country="DE",
            **kw,
        )
    )


def event(tracking, milestone, hours_ago=0.5) -> NewEvent:
    return NewEvent(
        tracking_number=tracking,
        milestone=milestone,
        occurred_at=now() - timedelta(hours=hours_ago),
    )


async def planned() -> list[tuple[str, str, int]]:
    return [(n.kind, n.channel, n.parcels) for n in await Notification.all().order_by("id")]


async def test_each_milestone_once_per_channel(db):
    await new_order()
    await shipments.add_shipment(
        "1001", "AAA111", carrier="DHL", shipped_at=now() - timedelta(hours=1)
    )
    await shipments.record_events([event("AAA111", "in_transit", 0.9)])  # in transit: silent
    await shipments.record_events([event("AAA111", "out_for_delivery", 0.5)])
    await shipments.record_events([event("AAA111", "delivered", 0.2)])
    await shipments.record_events([event("AAA111", "delivered", 0.2)])  # duplicate
    await shipments.record_events([event("AAA111", "in_transit", 0.1)])  # late scan
    assert await planned() == [
        ("confirmed", "email", 1),
        ("confirmed", "chat", 1),
        ("shipped", "email", 1),
        ("shipped", "chat", 1),
        ("out_for_delivery", "email", 1),
        ("out_for_delivery", "chat", 1),
        ("delivered", "email", 1),
        ("delivered", "chat", 1),
    ]
    keys = [n.key for n in await Notification.all()]
    assert len(set(keys)) == len(keys)


async def test_old_news_plans_nothing(db):
    await new_order(placed_at=now() - timedelta(days=20))  # a historical import
    await shipments.add_shipment(
        "1001", "AAA111", carrier="DHL", shipped_at=now() - timedelta(days=19)
    )
    await shipments.record_events([event("AAA111", "delivered", 24 * 18)])
    assert await planned() == []


async def test_milestone_channels_from_config(db):
    from shopdesk.db import close_db, init_db

    await close_db()
    await init_db(replace(db, milestone_channels={"confirmed": (), "shipped": ("chat",)}))
    await new_order()
    await shipments.add_shipment("1001", "AAA111", carrier="DHL")
    assert await planned() == [("shipped", "chat", 1)]


async def test_split_parcels_reaching_a_milestone_together_share_one_message(db):
    await new_order()
    await shipments.add_shipment("1001", "AAA111", carrier="DHL")
    await shipments.add_shipment("1001", "BBB222", carrier="DHL")
    await shipments.record_events(
        [event("AAA111", "delivered", 0.3), event("BBB222", "delivered", 0.2)]
    )
    rows = [r for r in await planned() if r[0] in ("shipped", "delivered")]
    assert rows == [
        ("shipped", "email", 2),
        ("shipped", "chat", 2),
        ("delivered", "email", 2),
        ("delivered", "chat", 2),
    ]


async def test_opted_out_and_cancelled_plan_nothing(db):
    await new_order()
    customer = await Customer.get(email="ada@example.com")
    token = await unsubscribe_token(customer.id)
    assert not await opt_out(token[:-2] + "xx")  # forged
    assert not await opt_out("garbage")
    assert await opt_out(token)
    await shipments.add_shipment("1001", "AAA111", carrier="DHL")
    assert [k for k, _, _ in await planned()] == ["confirmed", "confirmed"]  # before opt-out
    await new_order("1002", email="bob@example.com")
    await orders.cancel_order("1002")
    await shipments.record_events([event("AAA111", "delivered")])
    assert [k for k, _, _ in await planned()] == ["confirmed"] * 4


async def test_claim_backoff_and_give_up(db):
    await new_order()
    rows = await outbox.claim(now=now())
    assert len(rows) == 2 and all(r.status == "sending" for r in rows)
    assert await outbox.claim(now=now()) == []  # nothing claimed twice
    await outbox.finish(db, [outbox.Outcome(rows[1], "sent")])
    t = now()
    for attempt in range(1, db.max_attempts + 1):
        gave_up = await outbox.finish(
            db, [outbox.Outcome(rows[0], "failed", "454 try later")], now=t
        )
        if attempt < db.max_attempts:
            assert rows[0].status == "queued" and rows[0].due_at > t
            t = rows[0].due_at
            rows[0] = (await outbox.claim(1, now=t))[0]
    assert gave_up and rows[0].status == "failed"
    alert = await Alert.get(kind="notification_failed")
    assert "454 try later" in alert.message and alert.order_id == rows[0].order_id


async def test_a_dead_workers_rows_are_taken_back(db):
    await new_order()
    claimed = await outbox.claim(now=now())
    assert claimed and await outbox.claim(now=now()) == []
    later = await outbox.claim(now=now() + timedelta(minutes=5, seconds=1))
    assert {r.id for r in later} == {r.id for r in claimed}


def test_backoff_grows_and_is_capped():
    assert timedelta(seconds=24) <= outbox.backoff(1) <= timedelta(seconds=36)
    assert outbox.backoff(3) > outbox.backoff(1)
    assert outbox.backoff(30) <= outbox.BACKOFF_CAP * 1.2
