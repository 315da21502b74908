"""Shippo's opt-in signed webhooks (``[webhooks.shippo] signing_secret``) over HTTP.

The scheme (``Shippo-Auth-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>." + body>``) comes
from Shippo's docs; there is no published vector for it, so these tests check that our own
signer and verifier agree, that the HMAC is the documented one, and what is refused.
"""

import dataclasses
import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from portal.app import create_app
from shopdesk.commands.inbox import check_signature
from shopdesk.config import load_settings
from shopdesk.config_view import effective_config
from shopdesk.errors import ConfigError
from shopdesk.models import RawInput
from shopdesk.services import orders, queries, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.webhooks import inbox
from shopdesk.webhooks.signatures import (
    SHIPPO_TOLERANCE,
    Rejected,
    shippo_signature,
    verify_request,
    verify_shippo_signature,
)
from tests.webhook_samples import SECRETS, TRACKER_SAMPLES, sample

SIGNING = "shippo-signing-secret-42"
BODY = sample(TRACKER_SAMPLES["shippo"][0])
TRACKING = TRACKER_SAMPLES["shippo"][1]


def test_the_signature_is_the_documented_hmac():
    digest = hmac.new(SIGNING.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert shippo_signature(SIGNING, 1700000000, BODY) == f"t=1700000000,v1={digest}"
    header = shippo_signature(SIGNING, 1700000000, BODY)
    verify_shippo_signature(SIGNING, BODY, header, now=1700000000 + SHIPPO_TOLERANCE)
    with pytest.raises(Rejected, match="stale"):
        verify_shippo_signature(SIGNING, BODY, header, now=1700000001 + SHIPPO_TOLERANCE)
    with pytest.raises(Rejected, match="wrong signature"):
        verify_shippo_signature(SIGNING, BODY + b" ", header, now=1700000000)
    with pytest.raises(Rejected, match="wrong signature"):
        verify_shippo_signature("another-secret-1", BODY, header, now=1700000000)


def test_the_signing_secret_alone_suffices_and_nothing_configured_accepts_nothing():
    header = {"shippo-auth-signature": shippo_signature(SIGNING, 1700000000, BODY)}
    verify_request("shippo", "", BODY, header, {}, signing_secret=SIGNING, now=1700000000)
    with pytest.raises(Rejected, match="in the future"):
        verify_request("shippo", "", BODY, header, {}, signing_secret=SIGNING, now=1699999000)
    with pytest.raises(Rejected, match="no secret is configured"):
        verify_request("shippo", "", BODY, header, {}, now=1700000000)


@pytest.mark.parametrize("header", ["v1=abc", "t=17x,v1=ab", "t=1700000000", "t=²,v1=ab", "junk"])
def test_a_malformed_header_is_refused(header):
    with pytest.raises(Rejected, match="malformed"):
        verify_shippo_signature(SIGNING, BODY, header, now=1700000000)


def test_config_takes_a_signing_secret_for_shippo_only(tmp_path):
    path = tmp_path / "shopdesk.toml"
    path.write_text(f'[webhooks.shippo]\nsigning_secret = "{SIGNING}"\n')
    settings = load_settings(path, data_dir=tmp_path)
    assert settings.webhook_signing_secrets == {"shippo": SIGNING}
    assert settings.webhook_secrets == {}
    shown = " ".join(f"{e.key}={e.value}" for e in effective_config(settings))
    assert SIGNING not in shown  # never shown by `shopdesk config` or the TUI's Settings
    path.write_text('[webhooks.shopify]\nsigning_secret = "abcdefghij"\n')
    with pytest.raises(ConfigError, match=r"unknown setting webhooks\.shopify\.signing_secret"):
        load_settings(path, data_dir=tmp_path)
    path.write_text('[webhooks.shippo]\nsigning_secret = "short"\n')
    with pytest.raises(ConfigError, match="signing_secret must be at least"):
        load_settings(path, data_dir=tmp_path)


@pytest.fixture
async def client(db):
    now = datetime.now(UTC)
    await orders.create_orders(
        [
            NewOrder(
                number="1001",
                placed_at=now - timedelta(days=3),
                currency="EUR",
                items=[NewItem("Mug", 1, 1800)],
                email="ada@example.com",
            )
        ]
    )
    await shipments.add_shipment("1001", TRACKING, carrier="USPS", shipped_at=now - timedelta(2))
    settings = dataclasses.replace(
        db,
        webhook_secrets={"shippo": SECRETS["shippo"]},
        webhook_signing_secrets={"shippo": SIGNING},
    )
    app = create_app(settings, csrf_secret="test-secret")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://shop.example") as c:
        c.ingest = app.state["ingest"]
        c.settings = settings
        yield c
    await app.state["ingest"].stop()


async def post(client, headers, token=SECRETS["shippo"]):
    response = await client.post(f"/hooks/shippo?token={token}", content=BODY, headers=headers)
    await client.ingest.idle()
    return response


async def test_a_signed_delivery_is_processed(client, db):
    signature = shippo_signature(SIGNING, int(time.time()), BODY)
    r = await post(client, {"Shippo-Auth-Signature": signature})
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    view = await queries.order_view(db, "1001")
    assert view.shipments[0].milestone == "delivered"


@pytest.mark.parametrize(
    ("secret", "age", "reason"),
    [
        (None, 0, "Shippo-Auth-Signature header is missing"),
        ("not-the-secret", 0, "wrong signature"),
        (SIGNING, 3600, "stale Shippo-Auth-Signature"),
    ],
    ids=["missing", "wrong", "stale"],
)
async def test_unsigned_wrong_or_stale_is_401_stored_never_processed(
    client, db, secret, age, reason
):
    headers = {}
    if secret:  # signed as the test runs: a signature made at collection time would go stale
        headers["Shippo-Auth-Signature"] = shippo_signature(secret, int(time.time()) - age, BODY)
    r = await post(client, headers)
    assert r.status_code == 401 and reason in r.json()["error"]
    row = await RawInput.get(id=r.json()["id"])
    assert row.status == "rejected" and reason in row.error
    view = await queries.order_view(db, "1001")
    assert view.shipments[0].milestone != "delivered"


async def test_the_url_token_is_still_checked(client):
    signature = shippo_signature(SIGNING, int(time.time()), BODY)
    r = await post(client, {"Shippo-Auth-Signature": signature}, token="guessed-token-1")
    assert r.status_code == 401 and "wrong token" in r.json()["error"]


async def test_a_stale_delivery_verifies_on_replay(client, db):
    """A delivery stored as stale (say the server clock was off) was signed by Shippo: the
    owner's replay checks the signature, not the age."""
    stale = shippo_signature(SIGNING, int(time.time()) - 3600, BODY)
    r = await post(client, {"Shippo-Auth-Signature": stale})
    entry = await inbox.get_entry(r.json()["id"])
    assert check_signature(client.settings, entry) == ""
    forged = await post(client, {"Shippo-Auth-Signature": stale.replace("v1=", "v1=0")})
    entry = await inbox.get_entry(forged.json()["id"])
    assert "wrong signature" in check_signature(client.settings, entry)
