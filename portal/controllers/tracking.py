"""``/t/{token}``: the private tracking page, and ``/t/{token}/status`` for live updates."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import UTC, datetime

from litestar import Controller, MediaType, Request, Response, get

from portal.context import page
from portal.pages import parcels
from shopdesk.services import returns
from shopdesk.services.queries import order_stamp, order_view_by_token


def _version(updated_at: datetime) -> str:
    return hashlib.sha256(updated_at.isoformat().encode()).hexdigest()[:16]


class PageCache:
    """Rendered tracking pages by (token, language, hour), valid while the order's
    ``updated_at`` is unchanged — every write moves it, so a stale page is never served."""

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[str, str, str], tuple[datetime, str]] = OrderedDict()

    def get(self, key: tuple[str, str, str], updated_at: datetime) -> str | None:
        hit = self._pages.get(key)
        if hit is None or hit[0] != updated_at:
            return None
        self._pages.move_to_end(key)
        return hit[1]

    def put(self, key: tuple[str, str, str], updated_at: datetime, html: str) -> None:
        self._pages[key] = (updated_at, html)
        self._pages.move_to_end(key)
        while len(self._pages) > self.size:
            self._pages.popitem(last=False)


class TrackingController(Controller):
    path = "/t"

    @get("/{token:str}", cache_control=None)
    async def page(self, request: Request, token: str) -> Response:
        settings = request.app.state["settings"]
        updated_at, locale = await order_stamp(token)
        context = page(request, order_locale=locale)
        now = datetime.now(UTC)
        # The page shows "3 hours ago": it may be reused within the hour, not longer.
        hour = f"{now:%Y%m%d%H}"
        etag = f'W/"{_version(updated_at)}-{context["lang"]}-{hour}"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache",
                   "Last-Modified": updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
                   "Vary": "Accept-Language"}
        if request.headers.get("if-none-match") == etag:
            return Response(content=b"", status_code=304, headers=headers)
        cache: PageCache = request.app.state["page_cache"]
        key = (token, context["lang"], hour)
        html = cache.get(key, updated_at)
        if html is None:
            order = await order_view_by_token(settings, token)
            options = await returns.return_options(settings, token) \
                if order.stage in ("delivered", "partly_delivered") else None
            html = request.app.template_engine.get_template("tracking.html").render(
                **context,
                order=order,
                returns_open=bool(options and options.allowed),
                return_links=await returns.returns_for_order(order.number),
                parcels=parcels(settings, order, context["t"], now),
                version=_version(order.updated_at),
            )
            cache.put(key, order.updated_at, html)
        return Response(html, media_type=MediaType.HTML, headers=headers)

    @get("/{token:str}/status")
    async def status(self, request: Request, token: str) -> Response:
        order = await order_view_by_token(request.app.state["settings"], token)
        return Response({"version": _version(order.updated_at), "stage": order.stage,
                         "parcels": [s.milestone for s in order.shipments]},
                        headers={"Cache-Control": "private, no-cache"})
