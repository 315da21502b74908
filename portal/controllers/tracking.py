"""``/t/{token}``: the private tracking page, and ``/t/{token}/status`` for live updates."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs

from litestar import Controller, MediaType, Request, Response, get
from litestar.types import ASGIApp, Receive, Scope, Send

from portal.context import page
from portal.pages import parcels
from portal.security import SECURITY_HEADERS
from shopdesk.services.common import follow_changes
from shopdesk.services.customer_view import CustomerView, customer_view

NO_CACHE = "private, no-cache"


def _version(updated_at: datetime) -> str:
    return hashlib.sha256(updated_at.isoformat().encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class CachedPage:
    etag: str
    last_modified: str
    body: str

    def headers(self) -> dict[str, str]:
        return {
            "ETag": self.etag,
            "Cache-Control": NO_CACHE,
            "Last-Modified": self.last_modified,
            "Vary": "Accept-Language",
        }


def page_key(
    token: str, lang: str | None, accept_language: str | None, now: datetime
) -> tuple[str, ...]:
    """The page says "3 hours ago": a rendering may be reused within the hour, not longer.
    Its language comes from ``lang`` and ``accept_language`` and the order's own, fixed one."""
    return token, lang or "", accept_language or "", f"{now:%Y%m%d%H}"


class PageCache:
    """Rendered tracking pages (and status views) of the orders customers look at.

    A page is dropped the moment its order changes: at once for writes made in this process
    (:func:`follow_changes`), within about a second for other processes' writes (the portal
    follows the change feed, :func:`portal.app.follow_feed`). A hit costs no query.
    """

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[str, ...], tuple[int, CachedPage]] = OrderedDict()
        self._keys: dict[int, set[tuple[str, ...]]] = {}
        self._raw: dict[tuple[str, ...], tuple[list[tuple[bytes, bytes]], bytes]] = {}
        follow_changes(self)

    def get(self, key: tuple[str, ...]) -> CachedPage | None:
        hit = self._pages.get(key)
        if hit is None:
            return None
        self._pages.move_to_end(key)
        return hit[1]

    def put(self, key: tuple[str, ...], order_id: int, cached: CachedPage) -> None:
        self._pages[key] = (order_id, cached)
        self._pages.move_to_end(key)
        self._keys.setdefault(order_id, set()).add(key)
        self._raw.pop(key, None)
        while len(self._pages) > self.size:
            old, (old_order, _) = self._pages.popitem(last=False)
            self._keys[old_order].discard(old)
            self._raw.pop(old, None)

    def changed(self, order_ids: Collection[int]) -> None:
        for order_id in order_ids:
            for key in self._keys.pop(order_id, ()):
                self._pages.pop(key, None)
                self._raw.pop(key, None)

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Answer a repeat view of a cached tracking page straight from memory, before
        routing: the common case (a customer reloading, a notification link opened twice)
        then costs a dictionary lookup. Everything else goes on to the app."""

        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            path = scope.get("path", "")
            if (
                scope["type"] != "http"
                or scope["method"] != "GET"
                or not path.startswith("/t/")
                or "/" in path[3:]
            ):
                await app(scope, receive, send)
                return
            headers = dict(scope["headers"])
            lang = _query_lang(scope["query_string"]) if scope["query_string"] else None
            accept = headers.get(b"accept-language")
            key = page_key(
                path[3:], lang, accept.decode("latin-1") if accept else None, datetime.now(UTC)
            )
            cached = self.get(key)
            if cached is None:
                await app(scope, receive, send)
                return
            raw = self._raw.get(key)
            if raw is None:
                raw = self._raw[key] = (_encode(cached), cached.body.encode())
            if headers.get(b"if-none-match", b"").decode("latin-1") == cached.etag:
                await send({"type": "http.response.start", "status": 304, "headers": raw[0]})
                await send({"type": "http.response.body", "body": b""})
                return
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        *raw[0],
                        (b"content-type", b"text/html; charset=utf-8"),
                        (b"content-length", str(len(raw[1])).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": raw[1]})

        return serve


def _query_lang(query: bytes) -> str | None:
    values = parse_qs(query.decode("latin-1")).get("lang")
    return values[0] if values else None


def _encode(cached: CachedPage) -> list[tuple[bytes, bytes]]:
    return [
        *((k.lower().encode(), v.encode("latin-1")) for k, v in cached.headers().items()),
        *SECURITY_HEADERS,
    ]


class TrackingController(Controller):
    path = "/t"

    # No form on these pages: no CSRF cookie to mint (the return form's page sets it).
    @get("/{token:str}", cache_control=None, exclude_from_csrf=True)
    async def page(self, request: Request, token: str) -> Response:
        # Pages in the cache are answered by PageCache.middleware; this renders the others.
        cache: PageCache = request.app.state["page_cache"]
        now = datetime.now(UTC)
        key = page_key(
            token, request.query_params.get("lang"), request.headers.get("accept-language"), now
        )
        view = await customer_view(request.app.state["settings"], token, now)
        cached = self._render(request, view, key[3], now)
        cache.put(key, view.order_id, cached)
        headers = cached.headers()
        if request.headers.get("if-none-match") == cached.etag:
            return Response(content=b"", status_code=304, headers=headers)
        return Response(cached.body, media_type=MediaType.HTML, headers=headers)

    @staticmethod
    def _render(request: Request, view: CustomerView, hour: str, now: datetime) -> CachedPage:
        order = view.order
        context = page(request, order_locale=order.locale)
        version = _version(order.updated_at)
        html = request.app.template_engine.get_template("tracking.html").render(
            **context,
            order=order,
            returns_open=view.returns_open,
            return_links=view.returns,
            parcels=parcels(request.app.state["settings"], order, context["t"], now),
            version=version,
        )
        return CachedPage(
            etag=f'W/"{version}-{context["lang"]}-{hour}"',
            last_modified=f"{order.updated_at:%a, %d %b %Y %H:%M:%S GMT}",
            body=html,
        )

    @get("/{token:str}/status", exclude_from_csrf=True)
    async def status(self, request: Request, token: str) -> Response:
        cache: PageCache = request.app.state["page_cache"]
        key = (token, "status")
        cached = cache.get(key)
        if cached is None:
            view = await customer_view(request.app.state["settings"], token)
            order = view.order
            version = _version(order.updated_at)
            body = json.dumps(
                {
                    "version": version,
                    "stage": order.stage,
                    "parcels": [s.milestone for s in order.shipments],
                }
            )
            cached = CachedPage(f'W/"{version}"', "", body)
            cache.put(key, view.order_id, cached)
        return Response(cached.body, media_type=MediaType.JSON, headers={"Cache-Control": NO_CACHE})
