"""Incoming webhooks: verify (:mod:`.signatures`), read (:mod:`.shops`, :mod:`.trackers`,
:mod:`.generic`), store and process (:mod:`.inbox`, :mod:`.ingest`). No HTTP here: the portal's
``/hooks/<source>`` controller hands over the raw body and headers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from shopdesk.config import WEBHOOK_SOURCES
from shopdesk.webhooks import generic, shops, trackers
from shopdesk.webhooks.work import Malformed, Work, load_json

__all__ = ["PARSERS", "WEBHOOK_SOURCES", "Delivery", "Malformed", "Work", "read"]

PARSERS: dict[str, Callable[[str, str], Work]] = {
    "shopify": shops.shopify,
    "woocommerce": shops.woocommerce,
    "easypost": trackers.easypost,
    "shippo": trackers.shippo,
    "aftership": trackers.aftership,
    "17track": trackers.seventeen_track,
    "generic": generic.generic,
}
# Headers worth keeping with a stored delivery (lower case): its topic, ids and signature.
KEPT_HEADERS = (
    "content-type",
    "user-agent",
    "x-shopify-topic",
    "x-shopify-webhook-id",
    "x-shopify-event-id",
    "x-shopify-shop-domain",
    "x-shopify-api-version",
    "x-shopify-triggered-at",
    "x-shopify-hmac-sha256",
    "shopify-hmac-sha256",
    "x-wc-webhook-topic",
    "x-wc-webhook-delivery-id",
    "x-wc-webhook-id",
    "x-wc-webhook-source",
    "x-wc-webhook-resource",
    "x-wc-webhook-event",
    "x-wc-webhook-signature",
    "x-hmac-signature",
    "aftership-hmac-sha256",
    "sign",
    "x-shopdesk-signature",
    "x-shopdesk-timestamp",
    "shippo-auth-signature",
)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A verified body, read: what it asks for, its topic and its dedupe key."""

    work: Work
    topic: str
    event_id: str  # the source's delivery or event id; '' if it has none
    key: str  # sha256 hex: the delivery id, else the body itself


def read(source: str, body: str, headers: Mapping[str, str]) -> Delivery:
    """Read a verified body of ``source``; ``headers`` keys are lower case.

    Raises:
        Malformed: the body is not what the source sends; the message says why.
    """
    topic, event_id = _topic_and_id(source, body, headers)
    work = PARSERS[source](topic, body)
    basis = f"id\n{event_id}" if event_id else f"body\n{body}"
    key = hashlib.sha256(f"hook:{source}\n{basis}".encode()).hexdigest()
    return Delivery(work, topic, event_id, key)


def _topic_and_id(source: str, body: str, headers: Mapping[str, str]) -> tuple[str, str]:
    if source == "shopify":
        return (
            headers.get("x-shopify-topic", "").strip()[:100],
            (
                headers.get("x-shopify-webhook-id") or headers.get("x-shopify-event-id") or ""
            ).strip()[:200],
        )
    if source == "woocommerce":
        return (
            headers.get("x-wc-webhook-topic", "").strip()[:100],
            headers.get("x-wc-webhook-delivery-id", "").strip()[:200],
        )
    message = load_json(body)
    if not isinstance(message, dict):
        raise Malformed(f"the body must be a JSON object, got {type(message).__name__}")
    topic_field, id_field = {
        "easypost": ("description", "id"),
        "shippo": ("event", None),
        "aftership": ("event", "event_id"),
        "17track": ("event", None),
        "generic": (None, "id"),
    }[source]
    topic = str(message.get(topic_field) or "")[:100] if topic_field else ""
    event_id = str(message.get(id_field) or "")[:200] if id_field else ""
    return topic, event_id


def key_for(source: str, text: str) -> str:
    """A dedupe key for something that must never collide with a delivery (a rejection)."""
    return hashlib.sha256(f"rejected:{source}\n{text}".encode()).hexdigest()


def webhook_source(source: str) -> str:
    """The RawInput.source of a webhook from ``source``."""
    return f"hook:{source}"


assert set(PARSERS) == set(WEBHOOK_SOURCES)
