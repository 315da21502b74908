"""Returns for customers: the form on a delivered order (``/t/{token}/return``) and each
return's own page (``/r/{token}``) with its status, printable instructions and a QR code.

Everything a customer reads here comes from the page catalogs (``portal/locales``): errors
from the returns service are worded by their ``code``, never shown in the service's English.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from portal.context import page
from portal.i18n import Translator
from shopdesk.errors import Conflict, InvalidInput, ShopdeskError
from shopdesk.notify.render import catalog, format_amount, format_day
from shopdesk.services import returns
from shopdesk.services.queries import order_view_by_token

RESOLUTIONS = ("refund", "exchange", "store_credit")
MAX_FORM_REASON = 2000  # longer is cut before the service sees it (it allows 500)


def qr_svg(text: str) -> str:
    """An inline SVG QR code (no external image, allowed by the page's CSP)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=4)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


def day(t: Translator, when: date) -> str:
    """A date as the page's language writes it ("Tue 2 Dec", "Di., 2. Dez.")."""
    return format_day(when, catalog(t.locale))


def why_not(t: Translator, options: returns.ReturnOptions) -> str:
    """Why this order's customer cannot start a return, in their language ("" if they can)."""
    if options.allowed:
        return ""
    return t(
        f"returns.why_not.{options.why_not_code or 'nothing_left'}",
        date=day(t, options.closes_on) if options.closes_on else "",
    )


def error_text(t: Translator, exc: ShopdeskError) -> str:
    """A returns-service error as the customer reads it."""
    params: dict[str, Any] = dict(exc.params)
    if isinstance(params.get("date"), date):
        params["date"] = day(t, params["date"])
    code = exc.code
    if code == "already_returned" and params.get("left"):
        code = "already_returned.some"
    for key in (f"returns.error.{code}", f"returns.why_not.{code}"):
        if code and key in t.texts:
            try:
                return t(key, **params)
            except (KeyError, IndexError):
                break
    return t("returns.error.other")


class ReturnFormController(Controller):
    path = "/t/{token:str}/return"

    @get("/")
    async def form(self, request: Request, token: str) -> Template:
        settings = request.app.state["settings"]
        order = await order_view_by_token(settings, token)
        options = await returns.return_options(settings, token)
        context = page(request, order_locale=order.locale)
        return Template(
            "return_form.html", context=_form_context(context, order, options, message="")
        )

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
                raise InvalidInput("unknown resolution", code="resolution")
            started = await returns.start_return(
                settings, token, wanted, str(form.get("reason", ""))[:MAX_FORM_REASON], resolution
            )
        except (InvalidInput, Conflict) as exc:
            options = await returns.return_options(settings, token)
            return Template(
                "return_form.html",
                status_code=400,
                context=_form_context(
                    context, order, options, message=error_text(context["t"], exc)
                ),
            )
        return Response(
            content=b"",
            status_code=303,
            headers={"Location": f"/r/{started.token}?lang={context['lang']}"},
        )


def _form_context(
    context: dict[str, Any], order: Any, options: returns.ReturnOptions, *, message: str
) -> dict[str, Any]:
    t = context["t"]
    return {
        **context,
        "order": order,
        "options": options,
        "message": message,
        "resolutions": RESOLUTIONS,
        "why_not": why_not(t, options),
        "closes_on": day(t, options.closes_on) if options.closes_on else "",
    }


class ReturnController(Controller):
    path = "/r"

    @get("/{token:str}")
    async def status(self, request: Request, token: str) -> Template:
        settings = request.app.state["settings"]
        view = await returns.return_view(token)
        context = page(request)
        return Template(
            "return.html",
            context={
                **context,
                "ret": view,
                "qr": qr_svg(view.rma),
                **status_lines(context["t"], view, settings.zone),
            },
        )


def status_lines(t: Translator, view: returns.ReturnView, zone: Any) -> dict[str, Any]:
    """The customer's sentences about a return: refund or credit, dates, the steps so far."""
    refund = expected = ""
    if view.refund_minor is not None and view.refund_issued_at:
        amount = format_amount(view.refund_minor, view.currency, t.locale)
        issued = day(t, view.refund_issued_at.astimezone(zone).date())
        if view.refund_method == "store_credit":
            refund = t("return.credit", amount=amount, date=issued)
        else:
            refund = t(
                "return.refund",
                amount=amount,
                method=t(f"method.{view.refund_method}"),
                date=issued,
            )
            if view.refund_expected:
                start, end = view.refund_expected
                expected = (
                    t("return.refund_expected_day", date=day(t, end))
                    if start == end
                    else t("return.refund_expected", start=day(t, start), end=day(t, end))
                )
    steps = [
        (
            at.isoformat(),
            f"{day(t, at.astimezone(zone).date())} {at.astimezone(zone):%H:%M}",
            status,
        )
        for at, status in reversed(view.timeline)
    ]
    return {
        "refund": refund,
        "expected": expected,
        "send_by": day(t, view.send_by) if view.send_by else "",
        "steps": steps,
    }
