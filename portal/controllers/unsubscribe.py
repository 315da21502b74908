"""``/u/{token}``: the signed unsubscribe link from every message. GET asks, POST acts, so a
mail scanner following links unsubscribes nobody."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Template

from portal.context import page
from shopdesk.notify.optout import check_token, opt_out


class UnsubscribeController(Controller):
    path = "/u"

    @get("/{token:str}")
    async def ask(self, request: Request, token: str) -> Template:
        state = "ask" if await check_token(token) else "invalid"
        return Template(
            "unsubscribe.html",
            context=page(request, state=state),
            status_code=200 if state == "ask" else 404,
        )

    @post("/{token:str}")
    async def confirm(self, request: Request, token: str) -> Template:
        state = "done" if await opt_out(token) else "invalid"
        return Template(
            "unsubscribe.html",
            context=page(request, state=state),
            status_code=200 if state == "done" else 404,
        )
