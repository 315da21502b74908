"""``/t/{token}``: the private tracking page, and ``/t/{token}/status`` for live updates."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from litestar import Controller, MediaType, Request, Response, get

from portal.context import page
from portal.pages import parcels
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
        while len(self._pages) > self.size:
            old, (old_order, _) = self._pages.popitem(last=False)
            self._keys[old_order].discard(old)

    def changed(self, order_ids: Collection[int]) -> None:
        for order_id in order_ids:
            for key in self._keys.pop(order_id, ()):
                self._pages.pop(key, None)

    def clear(self) -> None:
        self._pages.clear()
        self._keys.clear()


class TrackingController(Controller):
    path = "/t"

    # No form on these pages: no CSRF cookie to mint (the return form's page sets it).
    @get("/{token:str}", cache_control=None, exclude_from_csrf=True)
    async def page(self, request: Request, token: str) -> Response:
        cache: PageCache = request.app.state["page_cache"]
        now = datetime.now(UTC)
        # The page says "3 hours ago": a rendering may be reused within the hour, not longer.
        # Language comes from these two inputs and the order's own, fixed, language.
        key = (token, request.query_params.get("lang") or "",
               request.headers.get("accept-language") or "", f"{now:%Y%m%d%H}")
        cached = cache.get(key)
        if cached is None:
            view = await customer_view(request.app.state["settings"], token, now)
            cached = self._render(request, view, key[3], now)
            cache.put(key, view.order_id, cached)
        headers = {"ETag": cached.etag, "Cache-Control": NO_CACHE,
                   "Last-Modified": cached.last_modified, "Vary": "Accept-Language"}
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
        return CachedPage(etag=f'W/"{version}-{context["lang"]}-{hour}"',
                          last_modified=f"{order.updated_at:%a, %d %b %Y %H:%M:%S GMT}",
                          body=html)

    @get("/{token:str}/status", exclude_from_csrf=True)
    async def status(self, request: Request, token: str) -> Response:
        cache: PageCache = request.app.state["page_cache"]
        key = (token, "status")
        cached = cache.get(key)
        if cached is None:
            view = await customer_view(request.app.state["settings"], token)
            order = view.order
            version = _version(order.updated_at)
            body = json.dumps({"version": version, "stage": order.stage,
                               "parcels": [s.milestone for s in order.shipments]})
            cached = CachedPage(f'W/"{version}"', "", body)
            cache.put(key, view.order_id, cached)
        return Response(cached.body, media_type=MediaType.JSON,
                        headers={"Cache-Control": NO_CACHE})
