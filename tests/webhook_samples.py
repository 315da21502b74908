"""Signed webhook requests built from the published samples in ../shared/data/payloads."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

from shopdesk.webhooks.signatures import expected_signature
from tests.conftest import shared_file

SECRETS = {
    "shopify": "shpss_0123456789abcdef",
    "woocommerce": "woo-secret-with-&amp;-entity",
    "easypost": "sécret-easypost-1",
    "shippo": "shippo-token-0123456789",
    "aftership": "aftership-secret-01",
    "17track": "17track-key-0123",
    "generic": "generic-secret-0123",
}


def sample(name: str) -> bytes:
    return shared_file("payloads", name).read_bytes()


def woo_order_with_tracking() -> bytes:
    """The WooCommerce order example with the Shipment Tracking meta it would carry."""
    order = json.loads(sample("woocommerce_rest_v3_order_retrieve.json"))
    meta = json.loads(sample("woocommerce_shipment_tracking_items_meta_CONSTRUCTED.json"))
    order["meta_data"] += meta["meta_data"]
    return json.dumps(order).encode()


def generic_body(delivery: str = "d-1") -> bytes:
    now = datetime.now(UTC)
    return json.dumps(
        {
            "id": delivery,
            "orders": [
                {
                    "number": "G-7",
                    "placed_at": (now - timedelta(days=2)).isoformat(),
                    "currency": "EUR",
                    "email": "gen@example.com",
                    "name": "Gen Eric",
                    "country": "DE",
                    "items": [{"title": "Mug", "quantity": 2, "unit_price_minor": 1800}],
                }
            ],
            "shipments": [
                {
                    "order_number": "G-7",
                    "tracking_number": "00340434161094042557",
                    "carrier": "DHL Paket",
                    "shipped_at": (now - timedelta(days=1)).isoformat(),
                }
            ],
            "events": [
                {
                    "tracking_number": "00340434161094042557",
                    "occurred_at": (now - timedelta(hours=2)).isoformat(),
                    "milestone": "out_for_delivery",
                    "description": "Out for delivery",
                }
            ],
        }
    ).encode()


def signed(
    source: str, body: bytes, *, secret: str | None = None, topic: str = "", delivery: str = ""
) -> tuple[str, dict[str, str]]:
    """(path, headers) for posting ``body`` to ``/hooks/<source>``, signed with ``secret``."""
    secret = SECRETS[source] if secret is None else secret
    headers = {"Content-Type": "application/json"}
    path = f"/hooks/{source}"
    signature = expected_signature(source, secret, body)
    if source == "shopify":
        headers.update(
            {
                "X-Shopify-Hmac-Sha256": signature,
                "X-Shopify-Topic": topic,
                "X-Shopify-Webhook-Id": delivery or hashlib.md5(body).hexdigest(),
            }
        )
    elif source == "woocommerce":
        headers.update(
            {
                "X-WC-Webhook-Signature": signature,
                "X-WC-Webhook-Topic": topic,
                "X-WC-Webhook-Delivery-ID": delivery or hashlib.md5(body).hexdigest(),
            }
        )
    elif source == "easypost":
        headers["X-Hmac-Signature"] = signature
    elif source == "shippo":
        path += f"?token={signature}"
    elif source == "aftership":
        headers["aftership-hmac-sha256"] = signature
    elif source == "17track":
        headers["sign"] = signature
    elif source == "generic":
        headers["X-Shopdesk-Signature"] = signature
    return path, headers


# source → (sample body, topic, tracking number it moves, milestone it ends on)
TRACKER_SAMPLES = {
    "easypost": ("easypost_event_tracker_updated_docs_guide.json", "EZ4000000004", "delivered"),
    "shippo": (
        "shippo_webhook_track_updated_docs_example.json",
        "9205590164917312751089",
        "delivered",
    ),
    "aftership": (
        "aftership_webhook_tracking_update_CONSTRUCTED.json",
        "111111111111",
        "delivered",
    ),
    "17track": ("17track_v2_webhook_tracking_updated.json", "1Z2617V10397725789", "delivered"),
}
