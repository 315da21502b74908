"""Webhooks over HTTP (the real portal app through httpx's ASGI transport): signatures against
the published vectors, every source with its sample, wrong signatures, replays, malformed and
hostile bodies, and the inbox."""

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from portal.app import create_app
from shopdesk.config import load_settings
from shopdesk.errors import ConfigError, NotFound
from shopdesk.models import RawInput, TrackingEvent
from shopdesk.services import orders, queries, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.webhooks import inbox
from shopdesk.webhooks.signatures import Rejected, expected_signature, verify
from tests.conftest import shared_file
from tests.webhook_samples import (
    SECRETS,
    TRACKER_SAMPLES,
    generic_body,
    sample,
    signed,
    woo_order_with_tracking,
)

NOW = datetime.now(UTC)


async def post(client, source, body, **kw):
    path, headers = signed(source, body, **kw)
    response = await client.post(path, content=body, headers=headers)
    await client.ingest.idle()
    return response


async def parcel(tracking, number="1001", carrier=None):
    await orders.create_orders(
        [
            NewOrder(
                number=number,
                placed_at=NOW - timedelta(days=3),
                currency="EUR",
                items=[NewItem("Mug", 1, 1800)],
                email="ada@example.com",
                name="Ada Lovelace",
            )
        ]
    )
    await shipments.add_shipment(
        number, tracking, carrier=carrier or "UPS", shipped_at=NOW - timedelta(days=2)
    )


async def statuses():
    return [(r.source, r.status) for r in await RawInput.all().order_by("id")]


# --- signatures -------------------------------------------------------------------------


def test_every_published_vector():
    vectors = json.loads(
        shared_file("payloads", "webhook_signature_rules_and_vectors.json").read_text()
    )
    checked = 0
    for v in vectors:
        if not v.get("expected_header"):
            continue
        body = v["body"].encode() if "body" in v else sample(v["body_file"].split()[0])
        assert expected_signature(v["provider"], v["secret"], body) == v["expected_header"]
        if v["secret"]:
            verify(v["provider"], v["secret"], body, v["expected_header"])
            with pytest.raises(Rejected, match="wrong signature"):
                verify(v["provider"], v["secret"], body + b" ", v["expected_header"])
        checked += 1
    assert checked == 3  # shopify, easypost, woocommerce


def test_rules_without_vectors_follow_the_documented_formulas():
    import base64
    import hashlib
    import hmac

    body = b'{"a": 1}'
    assert (
        expected_signature("aftership", "k" * 8, body)
        == base64.b64encode(hmac.new(b"k" * 8, body, hashlib.sha256).digest()).decode()
    )
    assert expected_signature("17track", "key", body) == hashlib.sha256(body + b"/key").hexdigest()
    assert (
        expected_signature("generic", "s", body)
        == "sha256=" + hmac.new(b"s", body, hashlib.sha256).hexdigest()
    )
    with pytest.raises(Rejected, match="no secret is configured"):
        verify("shopify", "", body, "x")
    with pytest.raises(Rejected, match="unsigned"):
        verify("shopify", "secret-123", body, "")


def test_config_webhook_secrets(tmp_path):
    path = tmp_path / "shopdesk.toml"
    path.write_text(
        '[webhooks.shopify]\nsecret = "shpss_abcdefgh"\n[webhooks.17track]\nsecret = ""\n'
    )
    assert load_settings(path, data_dir=tmp_path).webhook_secrets == {"shopify": "shpss_abcdefgh"}
    for text, words in (
        ('[webhooks.magento]\nsecret = "abcdefghij"\n', "unknown webhook"),
        ("[webhooks.shopify]\nsecret = 5\n", "must be a string"),
        ('[webhooks.shopify]\nsecret = "short"\n', "at least 8"),
        ('[webhooks.shopify]\ntoken = "abcdefghij"\n', "known keys: secret"),
    ):
        path.write_text(text)
        with pytest.raises(ConfigError, match=words):
            load_settings(path, data_dir=tmp_path)


# --- shops ------------------------------------------------------------------------------


async def test_shopify_order_creates_1001_with_its_parcel_exactly_once(hooks, db):
    body = sample("shopify_order_object_as_webhook_body.json")
    r = await post(hooks, "shopify", body, topic="orders/create", delivery="w-1")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    view = await queries.order_view(db, "1001")
    assert view.total_minor == 59894 and view.currency == "USD"
    assert [(s.carrier, s.tracking_number) for s in view.shipments] == [
        ("USPS", "1Z1234512345123456")
    ]
    # Two of its three lines were removed (current_quantity 0): what is on the order now.
    assert [(i.sku, i.quantity) for i in view.items] == [("IPOD2008RED", 1)]
    again = await post(hooks, "shopify", body, topic="orders/create", delivery="w-1")
    assert again.json() == {"status": "duplicate", "id": r.json()["id"]}
    assert await RawInput.filter(source="hook:shopify").count() == 1
    # A fulfillment for the same order (found by Shopify's order id) adds its parcel.
    r = await post(
        hooks,
        "shopify",
        sample("shopify_fulfillment_object_as_webhook_body.json"),
        topic="fulfillments/create",
        delivery="w-2",
    )
    view = await queries.order_view(db, "1001")
    assert sorted(s.tracking_number for s in view.shipments) == [
        "1Z001985YW99744790",
        "1Z1234512345123456",
    ]
    # orders/updated with a shipment_status moves the parcel; orders/cancelled does not undo it.
    order = json.loads(body)
    order["fulfillments"][0]["shipment_status"] = "out_for_delivery"
    order["fulfillments"][0]["updated_at"] = (NOW - timedelta(hours=1)).isoformat()
    await post(hooks, "shopify", json.dumps(order).encode(), topic="orders/updated", delivery="w-3")
    view = await queries.order_view(db, "1001")
    ofd = next(s for s in view.shipments if s.tracking_number == "1Z1234512345123456")
    assert ofd.milestone == "out_for_delivery"
    assert await statuses() == [("hook:shopify", "processed")] * 3


async def test_shopify_cancelled_order(hooks, db):
    order = json.loads(sample("shopify_order_object_as_webhook_body.json"))
    order.update(
        fulfillments=[], cancelled_at="2008-01-10T12:00:00-05:00", cancel_reason="customer"
    )
    await post(hooks, "shopify", json.dumps(order).encode(), topic="orders/cancelled")
    assert (await queries.order_view(db, "1001")).stage == "cancelled"


async def test_shopify_fulfillment_before_its_order_is_kept_unmatched_then_replayed(hooks, db):
    await post(
        hooks,
        "shopify",
        sample("shopify_fulfillment_object_as_webhook_body.json"),
        topic="fulfillments/create",
        delivery="f-1",
    )
    row = await RawInput.get(source="hook:shopify")
    assert row.status == "unmatched" and "no order 450789469" in row.error
    await post(
        hooks,
        "shopify",
        sample("shopify_order_object_as_webhook_body.json"),
        topic="orders/create",
        delivery="o-1",
    )
    assert await inbox.replay(row.id) == ("processed", "")
    view = await queries.order_view(db, "1001")
    assert len(view.shipments) == 2


async def test_shopify_other_topics_are_ignored_and_missing_topic_is_malformed(hooks):
    body = sample("shopify_order_object_as_webhook_body.json")
    r = await post(hooks, "shopify", body, topic="products/update")
    assert r.status_code == 200
    r = await post(hooks, "shopify", body, topic="")
    assert r.status_code == 400 and "X-Shopify-Topic" in r.json()["error"]
    assert await statuses() == [("hook:shopify", "ignored"), ("hook:shopify", "rejected")]


async def test_woocommerce_order_with_tracking_meta_and_ping(hooks, db):
    ping = await hooks.post(
        "/hooks/woocommerce",
        content=b"webhook_id=12",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert ping.status_code == 200 and await RawInput.all().count() == 0
    r = await post(hooks, "woocommerce", woo_order_with_tracking(), topic="order.created")
    assert r.status_code == 200
    view = await queries.order_view(db, "727")
    assert view.total_minor == 2935 and view.customer_name == "John Doe"
    assert view.items[1].title == "Ship Your Idea – Color: Black, Size: M Test"
    assert sorted((s.carrier, s.tracking_number) for s in view.shipments) == [
        ("Example Courier", "EX123456789"),
        ("USPS", "9400111899560000000000"),
    ]
    order = json.loads(woo_order_with_tracking())
    order["status"] = "cancelled"
    await post(hooks, "woocommerce", json.dumps(order).encode(), topic="order.updated")
    assert (await queries.order_view(db, "727")).stage == "cancelled"


async def test_generic_order_parcel_and_event(hooks, db):
    r = await post(hooks, "generic", generic_body())
    assert r.status_code == 200, r.text
    view = await queries.order_view(db, "G-7")
    assert view.stage == "out_for_delivery"
    assert view.shipments[0].tracking_number == "00340434161094042557"
    assert (await post(hooks, "generic", generic_body())).json()["status"] == "duplicate"
    r = await post(hooks, "generic", b'{"id": "x", "orders": [{"number": "1"}]}')
    assert r.status_code == 400 and "placed_at" in r.json()["error"]
    r = await post(hooks, "generic", b'{"id": "y", "canceled": true}')
    assert r.status_code == 400 and "canceled" in r.json()["error"]


# --- trackers ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", sorted(TRACKER_SAMPLES))
async def test_tracker_sample_moves_its_parcel_once(hooks, db, source):
    name, tracking, milestone = TRACKER_SAMPLES[source]
    await parcel(tracking)
    body = sample(name)
    r = await post(hooks, source, body)
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    view = await queries.order_view(db, "1001")
    assert view.shipments[0].milestone == milestone
    assert view.stage == "delivered"
    events = await TrackingEvent.all().count()
    assert events >= 1
    # The sender retries: nothing new is stored, nothing is processed twice.
    again = await post(hooks, source, body)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert await TrackingEvent.all().count() == events
    assert await statuses() == [(f"hook:{source}", "processed")]


@pytest.mark.parametrize(
    "source", ["shopify", "woocommerce", "easypost", "shippo", "aftership", "17track", "generic"]
)
async def test_wrong_or_missing_signature_is_401_stored_never_processed(hooks, db, source):
    body = (
        generic_body()
        if source == "generic"
        else sample("shopify_order_object_as_webhook_body.json")
        if source == "shopify"
        else woo_order_with_tracking()
        if source == "woocommerce"
        else sample(TRACKER_SAMPLES[source][0])
    )
    await parcel("EZ4000000004")
    before = await TrackingEvent.all().count()
    r = await post(hooks, source, body, secret="not-the-secret", topic="orders/create")
    assert r.status_code == 401
    assert "wrong" in r.json()["error"]
    path, headers = signed(source, body, topic="orders/create")
    headers = {
        k: v
        for k, v in headers.items()
        if k.lower()
        not in (
            "x-shopify-hmac-sha256",
            "x-wc-webhook-signature",
            "x-hmac-signature",
            "aftership-hmac-sha256",
            "sign",
            "x-shopdesk-signature",
        )
    }
    r = await hooks.post(path.split("?")[0], content=body, headers=headers)
    assert r.status_code == 401 and "unsigned" in r.json()["error"]
    await hooks.ingest.idle()
    rows = await RawInput.all().order_by("id")
    assert [(r.status, r.body.encode() == body) for r in rows] == [("rejected", True)] * 2
    assert await TrackingEvent.all().count() == before
    assert await queries.order_view(db, "1001")  # untouched
    with pytest.raises(NotFound):  # no order from a forgery
        await queries.order_view(db, "727" if source == "woocommerce" else "G-7")


async def test_easypost_official_fixture_verifies_and_keeps_its_odd_tracking_code(hooks, db):
    body = sample("easypost_event_tracker_updated_webhook_fixture.json")
    settings = dataclasses.replace(db, webhook_secrets={"easypost": "sécret"})
    app = create_app(settings, csrf_secret="x")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://shop.example"
    ) as client:
        r = await client.post(
            "/hooks/easypost",
            content=body,
            headers={
                "X-Hmac-Signature": "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d"
                "5fe9363db93840f527db",
                "Content-Type": "application/json",
            },
        )
        await app.state["ingest"].idle()
        await app.state["ingest"].stop()
    assert r.status_code == 200
    row = await RawInput.get(id=r.json()["id"])
    assert row.event_id == "evt_1" and row.status == "error"
    assert "tracking number '1'" in row.error


async def test_unknown_tracking_number_is_kept_unmatched_then_replayed(hooks, db):
    name, tracking, _ = TRACKER_SAMPLES["aftership"]
    r = await post(hooks, "aftership", sample(name))
    row = await RawInput.get(id=r.json()["id"])
    assert row.status == "unmatched" and tracking in row.error
    await parcel(tracking, carrier="FedEx")
    assert await inbox.replay(row.id) == ("processed", "")
    assert (await queries.order_view(db, "1001")).shipments[0].milestone == "delivered"


async def test_batch_with_one_bad_event_processes_the_others(hooks, db):
    await parcel("EZ4000000004")
    good = sample(TRACKER_SAMPLES["easypost"][0])
    event = json.loads(good)
    event["id"] = "evt_future"
    event["result"]["tracking_details"][0]["datetime"] = "2999-01-01T00:00:00Z"
    bad = json.dumps(event).encode()
    paths = [signed("easypost", b) for b in (bad, good)]
    for (path, headers), body in zip(paths, (bad, good), strict=True):
        assert (await hooks.post(path, content=body, headers=headers)).status_code == 200
    await hooks.ingest.idle()
    assert [s for _, s in await statuses()] == ["error", "processed"]
    assert (await queries.order_view(db, "1001")).shipments[0].milestone == "delivered"


# --- hostile input ----------------------------------------------------------------------


async def test_hostile_requests(hooks, db):
    huge = b'{"id": "h", "x": "' + b"a" * (6 * 2**20) + b'"}'
    path, headers = signed("generic", huge)
    r = await hooks.post(path, content=huge, headers=headers)
    assert r.status_code == 413 and "larger than" in r.json()["error"]
    body = generic_body()
    path, headers = signed("generic", body)
    r = await hooks.post(path, content=body, headers={**headers, "Content-Type": "text/plain"})
    assert r.status_code == 415 and "content type" in r.json()["error"]
    for bad in (b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"", b"{" * 5000):
        path, headers = signed("generic", bad)
        r = await hooks.post(path, content=bad, headers=headers)
        assert r.status_code == 400, (bad[:10], r.text)
        assert r.json()["error"]
    r = await hooks.post("/hooks/magento", content=b"{}")
    assert r.status_code == 404 and "known" in r.json()["error"]
    r = await hooks.get("/hooks/generic")
    assert r.status_code == 405
    await hooks.ingest.idle()
    assert {s for _, s in await statuses()} == {"rejected"}
    assert await TrackingEvent.all().count() == 0


async def test_sql_and_html_in_fields_are_data(hooks, db):
    order = json.loads(sample("shopify_order_object_as_webhook_body.json"))
    order["shipping_address"]["name"] = "<script>alert(1)</script>'; DROP TABLE orders;--"
    order["line_items"][1]["name"] = "<img src=x onerror=alert(1)>"  # the line still on it
    order["fulfillments"][0]["tracking_number"] = "1Z'; DROP TABLE shipment;--"
    order["fulfillments"][0]["tracking_numbers"] = []
    r = await post(hooks, "shopify", json.dumps(order).encode(), topic="orders/create")
    assert r.status_code == 200
    row = await RawInput.get(id=r.json()["id"])
    assert row.status == "error" and "tracking number" in row.error  # refused whole, kept
    order["fulfillments"] = []
    await post(hooks, "shopify", json.dumps(order).encode(), topic="orders/create")
    view = await queries.order_view(db, "1001")
    assert view.customer_name.startswith("<script>")
    page = await hooks.get(f"/t/{view.token}", headers={"Accept-Language": "en"})
    assert "<img src=x" not in page.text and "&lt;img src=x" in page.text


async def test_unconfigured_source_rejects(db):
    app = create_app(db, csrf_secret="x")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://shop.example"
    ) as client:
        r = await client.post(
            "/hooks/aftership", content=b"{}", headers={"aftership-hmac-sha256": "x"}
        )
        await app.state["ingest"].stop()
    assert r.status_code == 401 and "[webhooks.aftership] secret" in r.json()["error"]


async def test_rejected_for_a_missing_secret_verifies_and_replays_once_it_is_set(db):
    from shopdesk.commands.inbox import check_signature

    app = create_app(db, csrf_secret="x")  # no secrets configured yet
    body = sample("shopify_order_object_as_webhook_body.json")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://shop.example"
    ) as client:
        path, headers = signed("shopify", body, topic="orders/create")
        first = await client.post(path, content=body, headers=headers)
        path, headers = signed("shippo", sample(TRACKER_SAMPLES["shippo"][0]), secret="guess-1234")
        second = await client.post(
            path, content=sample(TRACKER_SAMPLES["shippo"][0]), headers=headers
        )
        await app.state["ingest"].stop()
    assert first.status_code == second.status_code == 401
    configured = dataclasses.replace(db, webhook_secrets=dict(SECRETS))
    entry = await inbox.get_entry(first.json()["id"])
    assert "no secret is configured" in check_signature(db, entry)
    assert check_signature(configured, entry) == ""
    assert await inbox.replay(entry.row.id) == ("processed", "")
    assert (await queries.order_view(db, "1001")).shipments[
        0
    ].tracking_number == "1Z1234512345123456"
    forged = await inbox.get_entry(second.json()["id"])
    assert "token-sha256" in forged.headers and "guess-1234" not in json.dumps(forged.headers)
    assert "wrong token" in check_signature(configured, forged)
