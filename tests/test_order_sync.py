"""Shop order updates through the real webhook endpoints, with the published samples (signed):
changed details, items, notes, cancellation and re-opening, corrected fulfillments, and
deliveries that arrive late, twice or hostile."""

from __future__ import annotations

import dataclasses
import json

from shopdesk.db import current_settings
from shopdesk.models import Note, RawInput, Shipment, TrackingEvent
from shopdesk.services import orders, queries, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.services.shipments import NewEvent
from tests.webhook_samples import sample, signed, woo_order_with_tracking

SHOPIFY_ORDER = "shopify_order_object_as_webhook_body.json"
FULFILLMENT = "shopify_fulfillment_object_as_webhook_body.json"


async def post(
    client, source: str, body: dict, topic: str, delivery: str, status: int = 200
) -> RawInput:
    """Post a signed delivery; the stored row once it has been processed."""
    raw = json.dumps(body).encode()
    path, headers = signed(source, raw, topic=topic, delivery=delivery)
    response = await client.post(path, content=raw, headers=headers)
    assert response.status_code == status, response.text
    await client.ingest.idle()
    return await RawInput.get(id=response.json()["id"])


def shopify_order(**changes) -> dict:
    return json.loads(sample(SHOPIFY_ORDER)) | changes


def woo_order(**changes) -> dict:
    return json.loads(woo_order_with_tracking()) | changes


async def view(number: str = "1001"):
    return await queries.order_view(current_settings(), number)


async def test_shopify_orders_updated_changes_the_order_once(hooks, db):
    await post(hooks, "shopify", shopify_order(), "orders/create", "c-1")
    first = await view()
    assert [(i.sku, i.quantity) for i in first.items] == [("IPOD2008RED", 1)]
    order = shopify_order(updated_at="2008-01-11T09:00:00-05:00", note="Leave it at the back door")
    order["email"] = "bob.new@mail.example.com"
    order["total_price"] = "617.89"
    order["shipping_address"] |= {"name": "Robert Norman", "zip": "40203", "city": "Lyndon"}
    order["line_items"][1]["current_quantity"] = 2  # one more red
    order["line_items"][2]["current_quantity"] = 1  # the black one is back
    row = await post(hooks, "shopify", order, "orders/updated", "u-1")
    assert row.status == "processed", row.error
    now = await view()
    assert (now.email, now.customer_name) == ("bob.new@mail.example.com", "Robert Norman")
    assert (now.ship_country, now.ship_postcode, now.ship_city) == ("US", "40203", "Lyndon")
    assert now.total_minor == 61789
    assert sorted((i.sku, i.quantity) for i in now.items) == [
        ("IPOD2008BLACK", 1),
        ("IPOD2008RED", 2),
    ]
    assert [(n.body, n.author) for n in now.notes] == [("Leave it at the back door", "shopify")]
    assert now.stage == first.stage and now.token == first.token
    # The same version again, under another delivery id (Shopify retries): nothing new.
    again = await post(hooks, "shopify", order, "orders/updated", "u-2")
    assert again.status == "processed"
    assert await Note.all().count() == 1 and await view() == dataclasses.replace(
        now, updated_at=(await view()).updated_at
    )
    # The red one is refunded and removed: its line goes.
    order["line_items"][1]["current_quantity"] = 0
    order["updated_at"] = "2008-01-12T09:00:00-05:00"
    await post(hooks, "shopify", order, "orders/updated", "u-3")
    assert [(i.sku, i.quantity) for i in (await view()).items] == [("IPOD2008BLACK", 1)]


async def test_an_older_version_arriving_late_changes_nothing(hooks, db):
    await post(hooks, "shopify", shopify_order(), "orders/create", "c-1")
    newer = shopify_order(updated_at="2008-01-12T10:00:00-05:00")
    newer["shipping_address"] = newer["shipping_address"] | {"city": "Newer City"}
    older = shopify_order(updated_at="2008-01-11T10:00:00-05:00", note="old note")
    older["shipping_address"] = older["shipping_address"] | {"city": "Older City"}
    await post(hooks, "shopify", newer, "orders/updated", "u-new")
    row = await post(hooks, "shopify", older, "orders/updated", "u-old")
    assert row.status == "processed"
    now = await view()
    assert now.ship_city == "Newer City" and now.notes == ()
    # An old "cancelled" version after a newer live one does not cancel either.
    stale_cancel = shopify_order(
        updated_at="2008-01-11T11:00:00-05:00", cancelled_at="2008-01-11T11:00:00-05:00"
    )
    await post(hooks, "shopify", stale_cancel, "orders/cancelled", "x-old")
    assert (await view()).cancelled_at is None
    fresh_cancel = stale_cancel | {"updated_at": "2008-01-13T11:00:00-05:00", "fulfillments": []}
    await post(hooks, "shopify", fresh_cancel, "orders/cancelled", "x-new")
    assert (await view()).stage == "cancelled"


async def test_fulfillment_update_corrects_its_parcel(hooks, db):
    await post(hooks, "shopify", shopify_order(), "orders/create", "c-1")
    fulfillment = json.loads(sample(FULFILLMENT))
    await post(hooks, "shopify", fulfillment, "fulfillments/create", "f-1")
    ups = await Shipment.get(tracking_number="1Z001985YW99744790")
    assert ups.external_id == "1069019871"
    await shipments.record_event(NewEvent(ups.tracking_number, ups.created_at, "in_transit"))
    assert (await Shipment.get(id=ups.id)).milestone == "in_transit"
    # The shop fixes a typo in the number and the carrier: the same parcel, corrected.
    fixed = fulfillment | {
        "tracking_number": "9400111899560000000000",
        "tracking_numbers": ["9400111899560000000000"],
        "tracking_company": "USPS",
        "updated_at": "2025-07-02T12:00:00-05:00",
    }
    row = await post(hooks, "shopify", fixed, "fulfillments/update", "f-2")
    assert row.status == "processed", row.error
    parcels = {s.tracking_number: s for s in (await view()).shipments}
    assert sorted(parcels) == ["1Z1234512345123456", "9400111899560000000000"]
    corrected = parcels["9400111899560000000000"]
    assert (corrected.id, corrected.carrier, corrected.milestone) == (
        ups.id,
        "USPS",
        "label_created",
    )
    assert await TrackingEvent.filter(shipment_id=ups.id).count() == 0  # the wrong number's scan
    # The first version, delivered late, does not undo the correction.
    await post(hooks, "shopify", fulfillment, "fulfillments/update", "f-1-late")
    assert sorted(s.tracking_number for s in (await view()).shipments) == sorted(parcels)
    # The order body carries the same fulfillment: no third parcel.
    order = shopify_order(updated_at="2008-01-12T10:00:00-05:00")
    order["fulfillments"].append(fixed)
    await post(hooks, "shopify", order, "orders/updated", "u-1")
    assert len((await view()).shipments) == 2


async def test_woocommerce_update_cancel_and_reopen(hooks, db):
    await post(hooks, "woocommerce", woo_order(), "order.created", "w-1")
    changed = woo_order(
        date_modified_gmt="2017-03-23T10:00:00", customer_note="Ring twice", total="32.35"
    )
    changed["line_items"][0]["quantity"] = 3
    changed["shipping"] = changed["shipping"] | {"city": "Oakland", "postcode": "94607"}
    await post(hooks, "woocommerce", changed, "order.updated", "w-2")
    now = await view("727")
    assert (now.ship_city, now.ship_postcode, now.total_minor) == ("Oakland", "94607", 3235)
    assert [(i.sku, i.quantity) for i in now.items] == [("", 3), ("Bar3", 1)]
    assert [(n.body, n.author) for n in now.notes] == [("Ring twice", "woocommerce")]
    cancelled = changed | {"status": "cancelled", "date_modified_gmt": "2017-03-24T10:00:00"}
    await post(hooks, "woocommerce", cancelled, "order.updated", "w-3")
    assert (await view("727")).stage == "cancelled"
    # A late delivery of the version before the cancellation does not re-open it...
    await post(hooks, "woocommerce", changed, "order.updated", "w-2-late")
    assert (await view("727")).stage == "cancelled"
    # ...the shop taking it back up does.
    restored = changed | {"status": "processing", "date_modified_gmt": "2017-03-25T10:00:00"}
    await post(hooks, "woocommerce", restored, "order.updated", "w-4")
    back = await view("727")
    assert back.cancelled_at is None and back.stage != "cancelled"
    assert {s.tracking_number for s in back.shipments} == {"9400111899560000000000", "EX123456789"}
    assert await Shipment.filter(next_poll_at__isnull=True).count() == 0  # polled again


async def test_woocommerce_does_not_reopen_what_the_owner_cancelled(hooks, db):
    await post(hooks, "woocommerce", woo_order(), "order.created", "w-1")
    await orders.cancel_order("727", "customer phoned: does not want it")
    later = woo_order(date_modified_gmt="2017-03-25T10:00:00")
    await post(hooks, "woocommerce", later, "order.updated", "w-2")
    now = await view("727")
    assert now.stage == "cancelled"


async def test_hostile_updates_are_refused_and_change_nothing(hooks, db):
    await post(hooks, "shopify", shopify_order(), "orders/create", "c-1")
    before = await view()
    # Unreadable: refused at the door (400, kept as rejected).
    negative = shopify_order()
    negative["line_items"][1]["current_quantity"] = -1
    odd = shopify_order()
    odd["line_items"][1]["current_quantity"] = {"$gt": 0}
    malformed = {
        "m-1": (shopify_order(updated_at="yesterday"), "updated_at 'yesterday'"),
        "m-2": (negative, "quantity -1 of 'IPod Nano - 8gb - red' is not a whole number"),
        "m-3": (odd, "is not a whole number"),
    }
    for delivery, (body, reason) in malformed.items():
        row = await post(hooks, "shopify", body, "orders/updated", delivery, status=400)
        assert row.status == "rejected" and reason in row.error, (delivery, row.error)
    # Readable but refused by the services: kept as errors, with the reason.
    refused = {
        "e-1": (shopify_order(currency="EUR"), "is in USD; the shop now says EUR"),
        "e-2": (shopify_order(email="not an email"), "email 'not an email' is not valid"),
    }
    for delivery, (body, reason) in refused.items():
        row = await post(hooks, "shopify", body, "orders/updated", delivery)
        assert row.status == "error" and reason in row.error, (delivery, row.error)
    assert await view() == before  # nothing changed, every delivery kept to inspect
    # Markup and a huge note are data, cut to the note's limit.
    huge = shopify_order(
        updated_at="2008-01-11T09:00:00-05:00", note="<script>alert(1)</script>" + "x" * 20_000
    )
    row = await post(hooks, "shopify", huge, "orders/updated", "h-6")
    assert row.status == "processed", row.error
    [note] = (await view()).notes
    assert note.body.startswith("<script>") and len(note.body) == 10_000


async def test_a_shop_update_never_overwrites_an_order_from_elsewhere(hooks, db):
    await orders.create_order(
        NewOrder(
            "1001",
            placed_at=json_time("2008-01-10T10:00:00-05:00"),
            currency="USD",
            items=[NewItem("Mug", 1, 1800)],
            email="ada@example.com",
            name="Ada Lovelace",
            country="GB",
            city="London",
        )
    )
    before = await view()
    row = await post(hooks, "shopify", shopify_order(), "orders/updated", "u-1")
    assert row.status == "processed"
    after = await view()
    assert (after.customer_name, after.ship_city, after.items) == (
        before.customer_name,
        before.ship_city,
        before.items,
    )


def json_time(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)
