"""Is a webhook really from its source? One check per source, over the raw body bytes.

The rules (and the test vectors they are checked against) are those each service publishes:

* shopify: ``X-Shopify-Hmac-Sha256`` (or the newer ``Shopify-Hmac-Sha256``) = base64 of
  HMAC-SHA256(secret, body).
* woocommerce: ``X-WC-Webhook-Signature`` = base64 of HMAC-SHA256(secret, body); WooCommerce
  keys the HMAC with the secret after ``wp_specialchars_decode`` (HTML entities such as
  ``&amp;`` turned back into characters).
* easypost: ``X-Hmac-Signature`` = ``hmac-sha256-hex=`` + hex HMAC-SHA256(NFKD(secret), body).
* shippo: a token of your choosing in the URL (``/hooks/shippo?token=...``), and, opt-in
  (``[webhooks.shippo] signing_secret``), ``Shippo-Auth-Signature: t=<unix>,v1=<hex>`` where
  hex = HMAC-SHA256(signing secret, ``"<t>." + body``) and ``t`` is at most
  :data:`SHIPPO_TOLERANCE` seconds away from now. This scheme is implemented from Shippo's
  webhook-security docs; no published test vector exists for it (see
  ``webhook_signature_rules_and_vectors.json``), so it is unverified against a real delivery.
* aftership: ``aftership-hmac-sha256`` = base64 of HMAC-SHA256(secret, body).
* 17track: ``sign`` = hex SHA-256(body + "/" + secret) (a plain hash, not an HMAC).
* generic: ``X-Shopdesk-Signature`` = ``sha256=`` + hex HMAC-SHA256(secret, body), as the
  outgoing ``shopdeskhook://`` plugin signs.

Every comparison is constant-time (:func:`hmac.compare_digest`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import unicodedata
from collections.abc import Mapping

# The header (lower case) carrying each source's signature; shippo's is the URL token.
SIGNATURE_HEADERS: dict[str, tuple[str, ...]] = {
    "shopify": ("x-shopify-hmac-sha256", "shopify-hmac-sha256"),
    "woocommerce": ("x-wc-webhook-signature",),
    "easypost": ("x-hmac-signature",),
    "shippo": (),
    "aftership": ("aftership-hmac-sha256",),
    "17track": ("sign",),
    "generic": ("x-shopdesk-signature",),
}
SHIPPO_SIGNATURE_HEADER = "shippo-auth-signature"
SHIPPO_TOLERANCE = 300  # seconds a signed Shippo delivery may be early or late (replays)
_WP_ENTITIES = (
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", '"'),
    ("&#039;", "'"),
    ("&#39;", "'"),
    ("&#x27;", "'"),
    ("&amp;", "&"),
)


class Rejected(Exception):
    """The request is not verifiably from the source; the message says why."""


def _hmac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()


def expected_signature(source: str, secret: str, body: bytes) -> str:
    """The signature header value ``source`` sends for ``body`` (what we compare with).

    For shippo this is the token itself.
    """
    if source in ("shopify", "aftership"):
        return base64.b64encode(_hmac(secret.encode(), body)).decode()
    if source == "woocommerce":
        key = secret
        for entity, char in _WP_ENTITIES:
            key = key.replace(entity, char)
        return base64.b64encode(_hmac(key.encode(), body)).decode()
    if source == "easypost":
        key = unicodedata.normalize("NFKD", secret).encode()
        return "hmac-sha256-hex=" + _hmac(key, body).hex()
    if source == "17track":
        return hashlib.sha256(body + b"/" + secret.encode()).hexdigest()
    if source == "generic":
        return "sha256=" + _hmac(secret.encode(), body).hex()
    if source == "shippo":
        return secret
    raise ValueError(f"unknown webhook source {source!r}")


def given_signature(source: str, headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    """The signature the request carries ('' if none). ``headers`` keys are lower case."""
    if source == "shippo":
        return query.get("token", "")
    for name in SIGNATURE_HEADERS[source]:
        if value := headers.get(name, "").strip():
            return value
    return ""


def verify(source: str, secret: str, body: bytes, given: str) -> None:
    """Check ``given`` (from :func:`given_signature`) against ``body``.

    Raises:
        Rejected: no secret configured, no signature, or a signature that does not match.
    """
    if not secret:
        raise Rejected(
            f"no secret is configured for {source} webhooks: set "
            f"[webhooks.{source}] secret in shopdesk.toml, then replay this delivery"
        )
    if not given:
        what = (
            "?token= in the URL" if source == "shippo" else f"{SIGNATURE_HEADERS[source][0]} header"
        )
        raise Rejected(f"unsigned: the {what} is missing")
    expected = expected_signature(source, secret, body)
    if source == "17track":  # hex: case does not matter
        given, expected = given.lower(), expected.lower()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        what = "token" if source == "shippo" else "signature"
        raise Rejected(
            f"wrong {what}: the body was not signed with the configured "
            f"[webhooks.{source}] secret (or was changed on the way)"
        )


def shippo_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Shippo-Auth-Signature`` value Shippo sends for ``body`` signed at ``timestamp``."""
    digest = _hmac(secret.encode(), str(timestamp).encode() + b"." + body).hex()
    return f"t={timestamp},v1={digest}"


def verify_shippo_signature(
    secret: str, body: bytes, header: str, now: float | None, tolerance: int = SHIPPO_TOLERANCE
) -> None:
    """Check a ``Shippo-Auth-Signature`` header (``t=<unix>,v1=<hex>``) against ``body``.

    Args:
        now: the current Unix time; None skips the age check (an owner replaying a stored
            delivery that verified when it arrived).

    Raises:
        Rejected: no header, a header that is not ``t=…,v1=…``, a timestamp further than
            ``tolerance`` seconds from ``now``, or no ``v1`` signature that matches.
    """
    if not header.strip():
        raise Rejected(
            "unsigned: the Shippo-Auth-Signature header is missing "
            "([webhooks.shippo] signing_secret is set, so every delivery must be signed)"
        )
    timestamp, signatures = "", []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value.strip()
        elif name == "v1":
            signatures.append(value.strip().lower())
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12 or not signatures:
        raise Rejected(
            f"malformed Shippo-Auth-Signature {header[:80]!r}: expected t=<unix>,v1=<hex>"
        )
    age = 0 if now is None else int(now) - int(timestamp)
    if abs(age) > tolerance:
        when = f"{age} s ago" if age > 0 else f"{-age} s in the future"
        raise Rejected(
            f"stale Shippo-Auth-Signature: signed {when} (more than {tolerance} s: a replay, "
            "or this server's clock is wrong)"
        )
    expected = shippo_signature(secret, int(timestamp), body).rpartition("v1=")[2]
    if not any(hmac.compare_digest(given.encode(), expected.encode()) for given in signatures):
        raise Rejected(
            "wrong signature: the body was not signed with the configured "
            "[webhooks.shippo] signing_secret (or was changed on the way)"
        )


def verify_request(
    source: str,
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    signing_secret: str = "",
    now: float | None = None,
) -> None:
    """Every check the source's configuration asks for; ``headers`` keys are lower case.

    With a ``signing_secret`` (shippo only) the signed header is checked too; it alone suffices
    when no URL token (``secret``) is configured.

    Raises:
        Rejected: the message says which check failed.
    """
    if source == "shippo" and signing_secret:
        if secret:
            verify(source, secret, body, given_signature(source, headers, query))
        verify_shippo_signature(
            signing_secret,
            body,
            headers.get(SHIPPO_SIGNATURE_HEADER, ""),
            time.time() if now is None else now,
        )
        return
    verify(source, secret, body, given_signature(source, headers, query))
