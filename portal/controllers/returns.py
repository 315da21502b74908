"""Returns for customers: the form on a delivered order (``/t/{token}/return``) and each
return's own page (``/r/{token}``) with its status, printable instructions and a QR code."""

from __future__ import annotations

import io

from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from portal.context import page
from shopdesk.errors import InvalidInput
from shopdesk.parsing import format_money
from shopdesk.services import returns
from shopdesk.services.queries import order_view_by_token

RESOLUTIONS = ("refund", "exchange", "store_credit")


def qr_svg(text: str) -> str:
    """An inline SVG QR code (no external image, allowed by the page's CSP)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=4)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg"):]


class ReturnFormController(Controller):
    path = "/t/{token:str}/return"

    @get("/")
    async def form(self, request: Request, token: str) -> Template:
        settings = request.app.state["settings"]
        order = await order_view_by_token(settings, token)
        options = await returns.return_options(settings, token)
        return Template("return_form.html", context=page(
            request, order_locale=order.locale, order=order, options=options, message="",
            resolutions=RESOLUTIONS))

    @post("/")
    async def start(self, request: Request, token: str) -> Response:
        settings = request.app.state["settings"]
        order = await order_view_by_token(settings, token)
        form = await request.form()
        wanted = {}
        for key, value in form.items():
            if key.startswith("qty-") and str(value).isdigit() and int(value) > 0:
                wanted[key.removeprefix("qty-")] = int(value)
        resolution = str(form.get("resolution", "refund"))
        context = page(request, order_locale=order.locale)
        try:
            if resolution not in RESOLUTIONS:
                raise InvalidInput("choose a refund, an exchange or store credit")
            started = await returns.start_return(settings, token, wanted,
                                                 str(form.get("reason", ""))[:2000], resolution)
        except InvalidInput as exc:
            options = await returns.return_options(settings, token)
            return Template("return_form.html", status_code=400, context={
                **context, "order": order, "options": options, "resolutions": RESOLUTIONS,
                "message": f"{context['t']('returns.invalid')} ({exc})"})
        return Response(content=b"", status_code=303,
                        headers={"Location": f"/r/{started.token}?lang={context['lang']}"})


class ReturnController(Controller):
    path = "/r"

    @get("/{token:str}")
    async def status(self, request: Request, token: str) -> Template:
        view = await returns.return_view(token)
        context = page(request)
        t = context["t"]
        refund = expected = ""
        if view.refund_minor is not None and view.refund_issued_at:
            refund = t("return.refund", amount=format_money(view.refund_minor, view.currency),
                       method=t(f"method.{view.refund_method}"),
                       date=f"{view.refund_issued_at:%Y-%m-%d}")
            if view.refund_expected:
                start, end = view.refund_expected
                expected = t("return.refund_expected", start=f"{start:%Y-%m-%d}",
                             end=f"{end:%Y-%m-%d}")
        return Template("return.html", context={
            **context, "ret": view, "qr": qr_svg(view.rma), "refund": refund,
            "expected": expected,
        })
