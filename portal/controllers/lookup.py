"""``/track``: find an order by number plus email or postcode, then go to its private page.

Every failure gets the same answer (no telling which part was wrong, or whether the order
exists), comparisons are constant-time, and each client gets a few tries per ten minutes.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template
from msgspec import Struct

from portal.context import page
from portal.security import client_ip
from shopdesk.services.queries import find_order_token


class LookupForm(Struct):
    number: str = ""
    email: str = ""
    postcode: str = ""


class LookupController(Controller):
    path = "/track"

    @get("/")
    async def form(self, request: Request) -> Template:
        return Template("lookup.html", context=page(request, number="", message=""))

    @post("/")
    async def lookup(
        self,
        request: Request,
        data: Annotated[LookupForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Response:
        context = page(request)
        t = context["t"]
        ip = client_ip(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            request.app.state["settings"].trusted_proxies,
        )
        if not request.app.state["lookup_limiter"].allow(ip):
            return Template(
                "lookup.html",
                status_code=429,
                context={**context, "number": data.number[:64], "message": t("lookup.limited")},
            )
        token = await find_order_token(
            data.number[:64], email=data.email[:254], postcode=data.postcode[:16]
        )
        if token is None:
            return Template(
                "lookup.html",
                status_code=404,
                context={**context, "number": data.number[:64], "message": t("lookup.failed")},
            )
        return Response(
            content=b"", status_code=303, headers={"Location": f"/t/{token}?lang={context['lang']}"}
        )
