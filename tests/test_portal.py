"""The customer portal through Litestar's AsyncTestClient: pages, lookup, unsubscribe, health,
security headers and hostile input."""

import asyncio
import os
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from portal.app import create_app
from shopdesk.models import Customer
from shopdesk.notify.optout import unsubscribe_token
from shopdesk.services import orders, queries, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.services.shipments import NewEvent
from tests.conftest import SHOPDESK

NOW = datetime.now(UTC)


@pytest.fixture
async def client(db):
    # Litestar's AsyncTestClient serves from another thread and event loop, where Tortoise's
    # connection would be re-opened (and its aiosqlite thread never closed): call the ASGI app
    # on the test's own loop instead.
    app = create_app(db, csrf_secret="test-secret")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://shop.example") as client:
        yield client


async def shop_with_order(number="1001", **kw) -> str:
    await orders.create_order(
        NewOrder(
            number=number,
            placed_at=NOW - timedelta(days=2),
            currency="EUR",
            items=[NewItem(kw.pop("title", "Stoneware mug"), 2, 1800)],
            email=kw.pop("email", "ada@example.com"),
            name="Ada Lovelace",
            phone="+4930123456",
            country="DE",
            postcode="10115",
            city="Berlin",
            locale=kw.pop("locale", "en"),
        )
    )
    await shipments.add_shipment(
        number, "00340434161094042557", carrier="DHL Paket", shipped_at=NOW - timedelta(days=1)
    )
    await shipments.record_events(
        [
            NewEvent(
                "00340434161094042557",
                NOW - timedelta(hours=20),
                description="Die Sendung wurde im Startpaketzentrum bearbeitet",
                location="Leipzig",
            ),
            NewEvent(
                "00340434161094042557",
                NOW - timedelta(hours=3),
                "out_for_delivery",
                description="Out for delivery",
            ),
        ]
    )
    return await queries.order_token(number)


def csrf(client) -> str:
    return client.cookies.get("csrftoken", "")


async def test_tracking_page_answers_where_and_what_next(client):
    token = await shop_with_order()
    response = await client.get(f"/t/{token}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.text
    assert "Order 1001" in html
    assert "Your order is out for delivery today." in html
    assert "Keep an eye out for the courier." in html
    assert "DHL Paket" in html and "00340434161094042557" in html
    assert "dhl.de" in html  # the carrier's own tracking page
    assert "Last carrier update 3 hours ago." in html
    assert html.index("Out for delivery</strong>") < html.index("Leipzig")  # newest first
    assert "2 × Stoneware mug" in html
    # Private: no surname, no address, no email, no phone.
    for secret in ("Lovelace", "10115", "Berlin", "ada@example.com", "+4930123456"):
        assert secret not in html
    assert '<script src="/static/live.js"' in html and "<script>" not in html


async def test_security_headers_on_every_page(client):
    token = await shop_with_order()
    for path in (f"/t/{token}", "/track", "/t/nope-not-a-token-at-all", "/healthz"):
        response = await client.get(path)
        headers = response.headers
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"


async def test_etag_makes_a_reload_cheap_until_the_order_changes(client):
    token = await shop_with_order()
    first = await client.get(f"/t/{token}")
    etag = first.headers["etag"]
    again = await client.get(f"/t/{token}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    # A repeat view comes from memory, with the same page and every header.
    hit = await client.get(f"/t/{token}")
    assert hit.status_code == 200 and hit.text == first.text
    for name in (
        "etag",
        "last-modified",
        "vary",
        "cache-control",
        "content-type",
        "content-security-policy",
        "referrer-policy",
        "x-content-type-options",
    ):
        assert hit.headers[name] == first.headers[name], name
    german = await client.get(f"/t/{token}?lang=de")
    assert german.headers["etag"] != etag and 'lang="de"' in german.text
    status = (await client.get(f"/t/{token}/status")).json()
    assert status["stage"] == "out_for_delivery"
    await shipments.record_event(
        NewEvent("00340434161094042557", NOW, "delivered", description="Delivered")
    )
    changed = await client.get(f"/t/{token}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "has been delivered" in changed.text
    assert (await client.get(f"/t/{token}/status")).json()["version"] != status["version"]


async def test_a_change_written_by_another_process_reaches_a_cached_page(db):
    """The page cache follows the change feed: a scan recorded by another process (here the
    real ``shopdesk event`` command) shows without a restart, though the page was cached."""
    app = create_app(db, csrf_secret="test-secret")
    token = await shop_with_order()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")}
    env.update(SHOPDESK_DATA_DIR=str(db.data_dir), SHOPDESK_DATABASE_URL=db.database_url)
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://shop.example"
        ) as client,
    ):
        first = await client.get(f"/t/{token}", headers={"Accept-Language": "en"})
        assert "out for delivery" in first.text
        again = await client.get(f"/t/{token}", headers={"Accept-Language": "en"})
        assert again.text == first.text  # served from the cache
        done = await asyncio.create_subprocess_exec(
            str(SHOPDESK),
            "event",
            "1001",
            "--milestone",
            "delivered",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await done.communicate()
        assert done.returncode == 0, err.decode()
        for _ in range(100):  # the feed is read every second; allow a slow machine
            page = await client.get(f"/t/{token}", headers={"Accept-Language": "en"})
            if "has been delivered" in page.text:
                break
            await asyncio.sleep(0.1)
        assert "has been delivered" in page.text
        status = (await client.get(f"/t/{token}/status")).json()
        assert status["stage"] == "delivered"


async def test_language_from_query_header_or_order(client):
    token = await shop_with_order(locale="fr")
    assert 'lang="fr"' in (await client.get(f"/t/{token}")).text
    assert (
        'lang="de"'
        in (await client.get(f"/t/{token}", headers={"Accept-Language": "de-DE,de;q=0.9"})).text
    )
    page = await client.get(f"/t/{token}?lang=nl", headers={"Accept-Language": "de"})
    assert 'lang="nl"' in page.text


@pytest.mark.parametrize(
    "token",
    [
        "",
        "x",
        "a" * 20,
        "a" * 43,
        "a" * 500,
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "..%2F..%2Fetc",
    ],
)
async def test_wrong_tokens_are_a_plain_404(client, token):
    await shop_with_order()
    response = await client.get(f"/t/{token}")
    assert response.status_code == 404
    assert "<script>alert(1)</script>" not in response.text


async def test_hostile_values_are_escaped(client):
    token = await shop_with_order(title="<img src=x onerror=alert(1)>")
    html = (await client.get(f"/t/{token}")).text
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


async def test_lookup_by_number_and_email_or_postcode(client):
    token = await shop_with_order()
    await client.get("/track")
    for fields in (
        {"number": "#1001", "email": " ADA@example.com "},
        {"number": "1001", "postcode": "10 115"},
    ):
        response = await client.post(
            "/track", data={**fields, "_csrf_token": csrf(client)}, follow_redirects=False
        )
        assert response.status_code == 303
        assert response.headers["location"].startswith(f"/t/{token}")
    answers = set()
    for fields in (
        {"number": "1001", "email": "eve@example.com"},
        {"number": "9999", "email": "ada@example.com"},
        {"number": "1001", "postcode": "99999"},
        {"number": "1001"},
        {"number": "' OR 1=1 --", "email": "<b>@x"},
    ):
        response = await client.post("/track", data={**fields, "_csrf_token": csrf(client)})
        assert response.status_code == 404
        answers.add(re.search(r'role="alert">(.*?)<', response.text).group(1))
    assert len(answers) == 1  # one generic answer: no enumeration


async def test_lookup_needs_the_csrf_token(client):
    await shop_with_order()
    response = await client.post("/track", data={"number": "1001", "email": "ada@example.com"})
    assert response.status_code == 403


async def test_a_thousand_wrong_lookups_are_limited(client):
    await shop_with_order()
    await client.get("/track")
    statuses = []
    for i in range(1000):
        response = await client.post(
            "/track",
            data={
                "number": str(1000 + i),
                "email": "guess@example.com",
                "_csrf_token": csrf(client),
            },
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [404] * 10
    assert set(statuses[10:]) == {429}
    # even the right answer waits now: limited means limited
    right = await client.post(
        "/track", data={"number": "1001", "email": "ada@example.com", "_csrf_token": csrf(client)}
    )
    assert right.status_code == 429


async def test_oversized_bodies_are_refused(client):
    await client.get("/track")
    response = await client.post(
        "/track",
        content=b"number=" + b"1" * 200_000,
        headers={"Content-Type": "application/x-www-form-urlencoded", "x-csrftoken": csrf(client)},
    )
    assert response.status_code == 413


async def test_unsubscribe_asks_then_opts_out(client):
    await shop_with_order()
    customer = await Customer.get(email="ada@example.com")
    token = await unsubscribe_token(customer.id)
    page = await client.get(f"/u/{token}")
    assert page.status_code == 200 and "Stop order updates" in page.text
    assert (await Customer.get(id=customer.id)).opted_out_at is None  # GET changes nothing
    done = await client.post(f"/u/{token}", data={"_csrf_token": csrf(client)})
    assert done.status_code == 200 and "any more order updates" in done.text
    assert (await Customer.get(id=customer.id)).opted_out_at is not None
    forged = await client.get(f"/u/{customer.id}.AAAAAAAAAAAAAAAAAAAAAAAA")
    assert forged.status_code == 404 and "not valid" in forged.text


async def test_health_metrics_and_theme(client):
    await shop_with_order()
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    await client.get("/t/not-a-real-token-but-long-enough")
    text = (await client.get("/metrics")).text
    assert 'shopdesk_orders{stage="out_for_delivery"} 1' in text
    assert 'shopdesk_http_requests_total{route="t",status="404"} 1' in text
    assert "--brand: #1f6feb" in (await client.get("/theme.css")).text
    assert (await client.get("/", follow_redirects=False)).headers["location"] == "/track"


async def test_a_customer_starts_a_return_and_follows_it(client):
    token = await shop_with_order()
    await shipments.record_event(
        NewEvent(
            "00340434161094042557", NOW - timedelta(hours=1), "delivered", description="Delivered"
        )
    )
    page = await client.get(f"/t/{token}?lang=en")
    assert f'href="/t/{token}/return"' in page.text
    form = await client.get(f"/t/{token}/return?lang=en")
    assert form.status_code == 200
    item_field = re.search(r'name="(qty-\d+)"', form.text).group(1)
    refused = await client.post(
        f"/t/{token}/return",
        follow_redirects=False,
        data={"reason": "Too small", "resolution": "refund", "_csrf_token": csrf(client)},
    )
    assert refused.status_code == 400 and "at least one item" in refused.text
    started = await client.post(
        f"/t/{token}/return",
        follow_redirects=False,
        data={
            item_field: "1",
            "reason": "<b>Too small</b>",
            "resolution": "exchange",
            "_csrf_token": csrf(client),
        },
    )
    assert started.status_code == 303
    status = await client.get(started.headers["location"])
    assert status.status_code == 200
    assert re.search(r"Return R-1001-\d", status.text)
    assert "<svg" in status.text  # the QR code for printerless drop-off, inline
    assert "<b>Too small</b>" not in status.text
    assert "1 × Stoneware mug" in status.text
    tracking = await client.get(f"/t/{token}?lang=en")
    assert "R-1001-" in tracking.text
    assert (await client.get("/r/not-a-real-return-token-at-all")).status_code == 404


async def test_the_portal_serves_the_api_and_its_schema(client):
    from shopdesk.services.apikeys import create_key

    schema = (await client.get("/api/schema/openapi.json")).json()
    assert "/api/v1/orders" in schema["paths"]
    assert (await client.get("/api/v1/orders/1001")).status_code == 401
    _, key = await create_key("test")
    await shop_with_order()
    response = await client.get("/api/v1/orders/1001", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.json()["stage"] == "out_for_delivery"


def test_forwarded_for_is_believed_only_from_trusted_proxies():
    from portal.security import client_ip

    assert client_ip("203.0.113.9", "198.51.100.1", ()) == "203.0.113.9"
    assert client_ip("203.0.113.9", "198.51.100.1", ("10.0.0.0/8",)) == "203.0.113.9"
    assert client_ip("10.0.0.2", "198.51.100.1", ("10.0.0.0/8",)) == "198.51.100.1"
    assert client_ip("10.0.0.2", "198.51.100.1, 10.0.0.7", ("10.0.0.0/8",)) == "198.51.100.1"
    assert client_ip("10.0.0.2", "not-an-ip", ("10.0.0.0/8",)) == "10.0.0.2"
