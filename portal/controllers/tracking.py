"""``/t/{token}``: the private tracking page, and ``/t/{token}/status`` for live updates."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from litestar import Controller, Request, Response, get
from litestar.response import Template

from portal.context import page
from portal.pages import parcels
from shopdesk.services import returns
from shopdesk.services.queries import order_view_by_token


def _version(updated_at: datetime) -> str:
    return hashlib.sha256(updated_at.isoformat().encode()).hexdigest()[:16]


class TrackingController(Controller):
    path = "/t"

    @get("/{token:str}", cache_control=None)
    async def page(self, request: Request, token: str) -> Response:
        settings = request.app.state["settings"]
        order = await order_view_by_token(settings, token)
        context = page(request, order_locale=order.locale)
        now = datetime.now(UTC)
        # The page shows "3 hours ago": it may be reused within the hour, not longer.
        etag = f'W/"{_version(order.updated_at)}-{context["lang"]}-{now:%Y%m%d%H}"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache",
                   "Last-Modified": order.updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
                   "Vary": "Accept-Language"}
        if request.headers.get("if-none-match") == etag:
            return Response(content=b"", status_code=304, headers=headers)
        options = await returns.return_options(settings, token) \
            if order.stage in ("delivered", "partly_delivered") else None
        return Template("tracking.html", headers=headers, context={
            **context,
            "order": order,
            "returns_open": bool(options and options.allowed),
            "return_links": await returns.returns_for_order(order.number),
            "parcels": parcels(settings, order, context["t"], now),
            "version": _version(order.updated_at),
        })

    @get("/{token:str}/status")
    async def status(self, request: Request, token: str) -> Response:
        order = await order_view_by_token(request.app.state["settings"], token)
        return Response({"version": _version(order.updated_at), "stage": order.stage,
                         "parcels": [s.milestone for s in order.shipments]},
                        headers={"Cache-Control": "private, no-cache"})
