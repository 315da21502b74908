"""A small, fixed shop for the TUI tests: the same orders, times and tokens every run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shopdesk.models import Order
from shopdesk.services import orders, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.services.shipments import NewEvent

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)  # the tests' fixed clock: a Tuesday
NAMES = (
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Donald Knuth",
    "Frances Allen",
    "Ken Thompson",
    "Margaret Hamilton",
    "John Backus",
    "Radia Perlman",
    "Niklaus Wirth",
)


async def seed_shop(count: int = 12) -> list[str]:
    """``count`` orders, one placed every 5 hours up to NOW, the older ones shipped (with a
    scan or two); returns the numbers, newest first."""
    batch = []
    for i in range(count):
        name = NAMES[i % len(NAMES)]
        batch.append(
            NewOrder(
                number=str(1001 + i),
                placed_at=NOW - timedelta(hours=5 * (count - i)),
                currency="EUR",
                items=[NewItem("Stoneware mug", 1 + i % 3, 1800, "MUG-01")],
                email=f"{name.split()[0].lower()}{i}@example.com",
                name=name,
                country="DE",
                postcode="10115",
                city="Berlin",
                locale="en",
            )
        )
    await orders.create_orders(batch)
    for i in range(count // 2):
        number = str(1001 + i)
        tracking = f"00340434161234{i:06d}"
        await shipments.add_shipment(
            number, tracking, carrier="DHL", shipped_at=NOW - timedelta(hours=5 * (count - i) - 2)
        )
        await shipments.record_event(
            NewEvent(
                tracking_number=tracking,
                order_number=number,
                milestone="in_transit",
                occurred_at=NOW - timedelta(hours=5 * (count - i) - 3),
                location="Leipzig",
                description="The shipment has been processed in the parcel center",
            )
        )
        if i % 3 == 0:
            await shipments.record_event(
                NewEvent(
                    tracking_number=tracking,
                    order_number=number,
                    milestone="delivered",
                    occurred_at=NOW - timedelta(hours=5 * (count - i) - 20),
                    location="Berlin",
                    description="The shipment has been delivered",
                )
            )
    for i in range(count):  # fixed tokens: the tracking URL is on screen
        await Order.filter(number=str(1001 + i)).update(token=f"token-{1001 + i:0>24}")
    return [str(1001 + i) for i in reversed(range(count))]
