"""Is a webhook really from its source? One check per source, over the raw body bytes.

The rules (and the test vectors they are checked against) are those each service publishes:

* shopify: ``X-Shopify-Hmac-Sha256`` (or the newer ``Shopify-Hmac-Sha256``) = base64 of
  HMAC-SHA256(secret, body).
* woocommerce: ``X-WC-Webhook-Signature`` = base64 of HMAC-SHA256(secret, body); WooCommerce
  keys the HMAC with the secret after ``wp_specialchars_decode`` (HTML entities such as
  ``&amp;`` turned back into characters).
* easypost: ``X-Hmac-Signature`` = ``hmac-sha256-hex=`` + hex HMAC-SHA256(NFKD(secret), body).
* shippo: a token of your choosing in the URL (``/hooks/shippo?token=...``).
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
