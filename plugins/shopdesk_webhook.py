"""Shopdesk webhook: POST each notification as signed JSON to your own endpoint.

    shopdeskhook://example.com/hooks/shopdesk?secret=LONG-RANDOM-STRING     (http)
    shopdeskhooks://example.com:8443/hooks/shopdesk?secret=LONG-RANDOM-STRING  (https)

Options: ``timeout=10`` (seconds to wait for the answer), ``verify=no`` (accept a self-signed
certificate), ``user:password@`` (HTTP basic auth). Any other query option is passed on to
your endpoint. A ``secret`` is required: unsigned posts are refused before they leave.

The request body (UTF-8 JSON)::

    {"type": "info", "title": "Your order #1001 has shipped", "body": "...",
     "format": "html", "timestamp": 1714555800}

with the headers ``X-Shopdesk-Timestamp: 1714555800`` and
``X-Shopdesk-Signature: sha256=<hex HMAC-SHA256 of the raw request body, keyed with secret>``.
Any 2xx answer counts as delivered; anything else, or no answer within ``timeout``, is a
failure (shopdesk retries later).

Verify on your side *before* parsing, over the raw bytes you received::

    import hashlib, hmac, json, time

    def verify(raw: bytes, headers, secret: str) -> dict:
        expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("X-Shopdesk-Signature", ""), expected):
            raise PermissionError("bad signature")
        message = json.loads(raw)
        if abs(time.time() - message["timestamp"]) > 300:  # signed, so it can't be altered
            raise PermissionError("too old: a replayed request?")
        return message
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import quote, urlencode

import requests
from apprise import logger
from apprise.decorators import notify

# Ours and Apprise's own URL options; everything else in the query goes to the endpoint.
OWN_OPTIONS = {
    "secret",
    "timeout",
    "verify",
    "format",
    "overflow",
    "emojis",
    "tz",
    "retry",
    "wait",
    "cto",
    "rto",
    "store",
    "redirect",
    "optional",
}


@notify(on="shopdeskhooks", name="Shopdesk signed webhook (HTTPS)")
@notify(on="shopdeskhook", name="Shopdesk signed webhook")
def shopdesk_webhook(body, title, notify_type, meta, *args, **kwargs):
    options = meta.get("qsd", {})
    secret = options.get("secret", "")
    if not secret:
        logger.warning("shopdeskhook: no ?secret= in the URL; not sending unsigned")
        return False
    url = endpoint(meta)
    timestamp = int(time.time())
    raw = json.dumps(
        {
            "type": str(notify_type),
            "title": title,
            "body": body,
            "format": str(
                getattr(kwargs.get("body_format"), "value", kwargs.get("body_format")) or ""
            ),
            "timestamp": timestamp,
        },
        ensure_ascii=False,
    ).encode("utf-8")
    signature = hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()
    auth = (meta["user"], meta.get("password") or "") if meta.get("user") else None
    try:
        response = requests.post(
            url,
            data=raw,
            auth=auth,
            allow_redirects=False,
            timeout=(5.0, float(options.get("timeout", 10))),
            verify=meta.get("verify", True),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "shopdesk",
                "X-Shopdesk-Timestamp": str(timestamp),
                "X-Shopdesk-Signature": f"sha256={signature}",
            },
        )
    except requests.RequestException as e:
        logger.warning("shopdeskhook: could not reach %s: %s", meta.get("host"), e)
        return False
    if not 200 <= response.status_code < 300:
        logger.warning(
            "shopdeskhook: %s answered HTTP %s %s",
            meta.get("host"),
            response.status_code,
            response.reason,
        )
        return False
    return True


def endpoint(meta: dict) -> str:
    """The http(s) URL a parsed shopdeskhook(s):// URL posts to."""
    scheme = "https" if meta["schema"] == "shopdeskhooks" else "http"
    host = meta.get("host") or ""
    if ":" in host and not host.startswith("["):  # IPv6
        host = f"[{host}]"
    port = f":{meta['port']}" if meta.get("port") else ""
    query = {k: v for k, v in meta.get("qsd", {}).items() if k not in OWN_OPTIONS}
    path = quote(meta.get("fullpath") or "/", safe="/%:@!$&'()*+,;=-._~")
    return f"{scheme}://{host}{port}{path}" + (f"?{urlencode(query)}" if query else "")
