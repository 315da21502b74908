"""Domain and HTTP errors mapped to friendly pages (JSON for JSON clients), in one place."""

from __future__ import annotations

from litestar import Request, Response
from litestar.response import Template

from portal.context import page

_KEYS = {404: ("notfound.title", "notfound.text"), 400: ("error.title", "error.text")}


def error_page(request: Request, status: int) -> Response:
    if "application/json" in request.headers.get("accept", "") or request.url.path.endswith(
        "/status"
    ):
        return Response({"error": "not found" if status == 404 else "error"}, status_code=status)
    context = page(request)
    t = context["t"]
    title, text = _KEYS.get(status, ("error.title", "error.text"))
    return Template(
        "error.html",
        context={**context, "heading": t(title), "text": t(text), "lookup": status == 404},
        status_code=status,
    )
