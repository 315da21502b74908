"""``POST /hooks/<source>``: webhooks from shops and tracking services.

Per request, in this order: verify the source's signature over the raw body → read the body →
store it (accepted, or rejected with the reason) → answer. Processing happens after the
answer, in the process's :class:`~shopdesk.webhooks.ingest.Ingest`. Answers are JSON:
``200 {"status": "accepted"|"duplicate", "id": N}``, ``401``/``400``/``415`` with
``{"error": "...", "id": N}`` (the stored rejection the owner can inspect and replay).

Exempt from CSRF (senders have no cookies; the signature is the proof); bodies up to
:data:`MAX_HOOK_BODY`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any

from litestar import Request, Response, Router, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath

from portal.security import RateLimiter, client_ip
from shopdesk.config import WEBHOOK_SOURCES
from shopdesk.webhooks import KEPT_HEADERS, Malformed, key_for, read
from shopdesk.webhooks.inbox import Incoming
from shopdesk.webhooks.ingest import Ingest
from shopdesk.webhooks.signatures import Rejected, verify_request

log = logging.getLogger("shopdesk.webhooks")
MAX_HOOK_BODY = 5 * 1024 * 1024  # Shopify orders with hundreds of lines stay well below
REJECTED_PER_CLIENT = 100  # rejected bodies stored per client address per 10 minutes


def _json(code: int, **body: Any) -> Response:
    return Response(body, status_code=code, media_type="application/json")


def _http_error(_: Request, exc: HTTPException) -> Response:
    reason = exc.detail
    if exc.status_code == 413:
        reason = f"the body is larger than {MAX_HOOK_BODY // 2**20} MB"
    return _json(exc.status_code, error=str(reason)[:500])


@post(
    "/{source:str}",
    status_code=200,
    summary="Receive a webhook",
    include_in_schema=False,
    request_max_body_size=MAX_HOOK_BODY,
)
async def receive(request: Request, source: FromPath[str]) -> Response:
    if source not in WEBHOOK_SOURCES:
        return _json(
            404, error=f"no webhook source {source[:40]!r}; known: {', '.join(WEBHOOK_SOURCES)}"
        )
    settings = request.app.state["settings"]
    ingest: Ingest = request.app.state["ingest"]
    raw = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    if (
        source == "woocommerce"
        and ctype == "application/x-www-form-urlencoded"
        and raw.startswith(b"webhook_id=")
        and len(raw) < 64
    ):
        return _json(200, status="ping")  # sent, unsigned, when a webhook is created
    peer = client_ip(
        request.client.host if request.client else None,
        headers.get("x-forwarded-for"),
        settings.trusted_proxies,
    )
    kept = {k: v[:500] for k, v in headers.items() if k in KEPT_HEADERS}
    query = dict(request.query_params)
    if source == "shippo" and query.get("token"):  # keep only a hash of the URL token
        kept["token-sha256"] = hashlib.sha256(query["token"].encode()).hexdigest()

    async def reject(status: int, reason: str, body: str) -> Response:
        limiter: RateLimiter = request.app.state["hook_limiter"]
        if not limiter.allow(peer):
            return _json(
                status,
                error=f"{reason} (not stored: too many rejected deliveries from this address)",
            )
        stored = await ingest.submit(
            Incoming(
                source=source,
                body=body,
                headers=kept,
                status="rejected",
                error=reason,
                key=key_for(source, secrets.token_hex(16)),
                ref=peer,
                topic=headers.get("x-shopify-topic") or headers.get("x-wc-webhook-topic") or "",
            )
        )
        log.info("rejected %s webhook from %s (stored as %d): %s", source, peer, stored.id, reason)
        return _json(status, error=reason, id=stored.id)

    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        body = ""
    try:
        verify_request(
            source,
            settings.webhook_secrets.get(source, ""),
            raw,
            headers,
            query,
            signing_secret=settings.webhook_signing_secrets.get(source, ""),
        )
    except Rejected as exc:
        return await reject(401, str(exc), body or raw.decode("utf-8", "replace"))
    if not body and raw:
        return await reject(400, "the body is not UTF-8 text", raw.decode("utf-8", "replace"))
    if ctype and ctype != "application/json" and not ctype.endswith("+json"):
        return await reject(
            415, f"content type {ctype[:60]!r}: {source} webhooks are application/json", body
        )
    try:
        delivery = read(source, body, headers)
    except Malformed as exc:
        return await reject(400, f"malformed: {exc}"[:1000], body)
    stored = await ingest.submit(
        Incoming(
            source=source,
            body=body,
            headers=kept,
            key=delivery.key,
            topic=delivery.topic,
            event_id=delivery.event_id,
            ref=peer,
            work=delivery.work,
        )
    )
    return _json(200, status="duplicate" if stored.duplicate else "accepted", id=stored.id)


hooks_router = Router(
    path="/hooks",
    route_handlers=[receive],
    exception_handlers={HTTPException: _http_error},
)
