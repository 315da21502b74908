"""A small shop with one of everything the exceptions queue shows, at fixed times (for the
exceptions service tests and the TUI's Pilot and snapshot tests). Everything goes through the
real services: the watch, the outbox, the importer, the return services."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shopdesk.config import Settings
from shopdesk.importers.orders import import_orders
from shopdesk.models import Notification, Order, OrderItem, RawInput, Return
from shopdesk.notify.outbox import Outcome, Plan, claim, finish, plan
from shopdesk.notify.watch import watch
from shopdesk.services import orders, returns, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.services.shipments import NewEvent

BASE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
CHANNELS = {"email": "mailto://shop:pw@127.0.0.1:2525?to={email}"}


def queue_settings(settings: Settings) -> Settings:
    return replace(
        settings,
        channels=CHANNELS,
        stalled_days=3,
        label_only_days=2,
        handling_days=2,
        transit_days=(20, 30),
        transit=(),
        max_attempts=1,
        return_window_days=3650,
    )


async def new_order(number: str, days: float, name: str) -> None:
    await orders.create_order(
        NewOrder(
            number,
            BASE + timedelta(days=days),
            "EUR",
            [
                NewItem("Stoneware mug", 2, 1800, "MUG-01"),
                NewItem("Loose leaf tea", 1, 1250, "TEA"),
            ],
            email=f"{number}@example.com",
            name=name,
            country="DE",
        )
    )


async def delivered(number: str, days: float, name: str) -> str:
    await new_order(number, days, name)
    await shipments.add_shipment(
        number, f"JJD{number}", carrier="DHL", shipped_at=BASE + timedelta(days=days, hours=2)
    )
    await shipments.record_event(
        NewEvent(f"JJD{number}", BASE + timedelta(days=days + 2), "delivered")
    )
    return (await Order.get(number=number)).token


async def seed_queue(settings: Settings, tmp: Path) -> dict[str, int]:
    """The shop; returns ids worth knowing (order ids by number, "return_requested" etc.)."""
    # 1001: the carrier reports a customs exception.
    await new_order("1001", 0, "Ada Lovelace")
    await shipments.add_shipment("1001", "JJD1001", carrier="DHL", shipped_at=BASE)
    await shipments.record_event(
        NewEvent(
            "JJD1001",
            BASE + timedelta(days=1),
            "exception",
            reason="customs",
            description="Held at customs: invoice missing",
        )
    )
    # 1002: a parcel that stops moving, 1003: an order that never ships (the watch).
    await new_order("1002", 1, "Grace Hopper")
    await shipments.add_shipment(
        "1002", "JJD1002", carrier="DHL", shipped_at=BASE + timedelta(days=1)
    )
    await shipments.record_event(
        NewEvent(
            "JJD1002", BASE + timedelta(days=1, hours=5), "in_transit", description="Arrived at hub"
        )
    )
    await new_order("1003", 2, "Alan Turing")
    await watch(settings, now=BASE + timedelta(days=9))
    # 1004: a message that gave up (max_attempts is 1).
    await delivered("1004", 3, "Edsger Dijkstra")
    order = await Order.get(number="1004")
    await plan(
        settings, [Plan(order.id, "delayed", reason="dispatch")], now=BASE + timedelta(days=10)
    )
    rows = await claim(now=BASE + timedelta(days=10, minutes=1))
    # The watch's "delayed" messages went out; the one for 1004 gave up.
    await finish(
        settings,
        [
            Outcome(row, "failed", "SMTP 550 mailbox unavailable")
            if row.order_id == order.id
            else Outcome(row, "sent")  # type: ignore[attr-defined]
            for row in rows
        ],
        now=BASE + timedelta(days=10, minutes=1),
    )
    # An imported row nobody could read.
    csv = tmp / "orders.csv"
    csv.write_text(
        "order_number,placed_at,email,phone,name,country,postcode,city,currency,sku,"
        "title,quantity,unit_price\n2001,2026-11-05T10:00:00+00:00,x@example.com,,X,"
        "DE,10115,Berlin,EUR,A,Mug,two,1.00\n",
        encoding="utf-8",
    )
    await import_orders(settings, csv)
    await RawInput.filter(status="error").update(received_at=BASE + timedelta(days=13))
    # 1005: a return waiting for approval; 1006: a return that came back.
    ids: dict[str, int] = {}
    for number, status in (("1005", "requested"), ("1006", "received")):
        token = await delivered(number, 4, f"Customer {number}")
        items = dict(await OrderItem.filter(order__number=number).values_list("sku", "id"))
        started = await returns.start_return(
            settings,
            token,
            {items["MUG-01"]: 1},
            "Too small",
            "refund",
            now=BASE + timedelta(days=8),
        )
        if status == "received":
            await returns.approve(started.id)
            await returns.mark_received(started.id)
            await Return.filter(id=started.id).update(received_at=BASE + timedelta(days=12))
        await Return.filter(id=started.id).update(created_at=BASE + timedelta(days=8))
        ids[f"return_{status}"] = started.id
    # The return steps' messages wait for a worker: give them a fixed time too.
    await Notification.filter(status="queued").update(due_at=BASE + timedelta(days=15))
    ids.update(dict(await Order.all().values_list("number", "id")))
    return ids
