"""A large synthetic shop for benchmarks, written with bulk inserts through the ORM."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shopdesk.config import Settings
from shopdesk.models import Customer, Order, OrderItem, Shipment, TrackingEvent
from shopdesk.services.common import search_text
from shopdesk.services.orders import new_token

FIRST = ("Emma", "Liam", "Mia", "Noah", "Sofia", "Lukas", "Chloé", "Daan", "Lucía", "Jakub")
LAST = (
    "Smith",
    "Müller",
    "Martin",
    "de Jong",
    "García",
    "Nowak",
    "Brown",
    "Schmidt",
    "Bernard",
    "Jansen",
    "López",
    "Kowalski",
)
CHUNK = 2000


def temp_settings(name: str) -> Settings:
    """Settings for a throwaway SQLite shop."""
    return Settings(data_dir=Path(tempfile.mkdtemp(prefix=f"shopdesk-bench-{name}-")))


def tracking_number(i: int) -> str:
    return f"BENCH{i:010d}"


SCANS = (  # (milestone, description, location), oldest first: a parcel's life
    ("label_created", "Shipment information received", ""),
    ("in_transit", "Die Sendung wurde im Start-Paketzentrum bearbeitet.", "Leipzig"),
    ("in_transit", "Die Sendung wurde vom Absender in die Filiale eingeliefert.", "Berlin"),
    ("in_transit", "Die Sendung wird zum Ziel-Paketzentrum transportiert.", "Leipzig"),
    ("in_transit", "Die Sendung wurde im Ziel-Paketzentrum bearbeitet.", "Köln"),
    ("in_transit", "Die Sendung ist in der Zustellbasis eingetroffen.", "Köln-Ost"),
    ("in_transit", "Die Sendung wurde sortiert.", "Köln-Ost"),
    ("out_for_delivery", "Die Sendung wurde in das Zustellfahrzeug geladen.", "Köln"),
)
ITEMS = (
    ("MUG-01", "Stoneware mug, speckled", 1800),
    ("TEA-12", "Sencha, 100 g", 950),
    ("CLOTH-3", "Linen tea towel", 1400),
)


async def build_shop(orders: int, *, seed: int = 1, detail: bool = False) -> None:
    """``orders`` orders over the last year, each with one customer and one parcel; with
    ``detail`` also 1-3 items per order and the parcel's 8 scans (a page like a real one)."""
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=365)
    for lo in range(0, orders, CHUNK):
        ids = range(lo, min(lo + CHUNK, orders))
        customers = [
            Customer(
                email=f"customer{i}@example.com", name=f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            )
            for i in ids
        ]
        await Customer.bulk_create(customers)
        by_email = {
            c.email: c.id for c in await Customer.filter(email__in=[c.email for c in customers])
        }
        batch = []
        for i, customer in zip(ids, customers, strict=True):
            number = str(100000 + i)
            batch.append(
                Order(
                    number=number,
                    token=new_token(),
                    customer_id=by_email[customer.email],
                    placed_at=start + timedelta(seconds=i * 315),
                    currency="EUR",
                    total_minor=rng.randint(500, 20000),
                    ship_country="DE",
                    stage="shipped",
                    search_text=search_text(
                        number, customer.name, customer.email, tracking_number(i)
                    ),
                )
            )
        await Order.bulk_create(batch)
        order_ids = dict(
            await Order.filter(number__in=[o.number for o in batch]).values_list("number", "id")
        )
        await Shipment.bulk_create(
            [
                Shipment(
                    order_id=order_ids[str(100000 + i)],
                    carrier="DHL",
                    tracking_number=tracking_number(i),
                    shipped_at=start,
                    milestone="in_transit",
                )
                for i in ids
            ]
        )
        if detail:
            await _add_detail(rng, list(order_ids.values()), start)


async def _add_detail(rng: random.Random, order_ids: list[int], start: datetime) -> None:
    await OrderItem.bulk_create(
        [
            OrderItem(
                order_id=order_id,
                sku=sku,
                title=title,
                quantity=rng.randint(1, 3),
                unit_price_minor=price,
            )
            for order_id in order_ids
            for sku, title, price in ITEMS[: rng.randint(1, 3)]
        ],
        batch_size=1000,
    )
    parcels = await Shipment.filter(order_id__in=order_ids).values_list("id", flat=True)
    await TrackingEvent.bulk_create(
        [
            TrackingEvent(
                shipment_id=shipment_id,
                occurred_at=start + timedelta(hours=7 * n),
                milestone=milestone,
                raw_description=text,
                location=place,
                source="bench",
                dedupe_key=f"bench-{shipment_id}-{n}",
            )
            for shipment_id in parcels
            for n, (milestone, text, place) in enumerate(SCANS)
        ],
        batch_size=1000,
    )
