"""``create_app(settings)``: the Litestar portal. The database is opened by the caller."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, MediaType, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.exceptions import HTTPException, NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from litestar.types import ASGIApp, Receive, Scope, Send

from portal.controllers.api import api_router
from portal.controllers.hooks import REJECTED_PER_CLIENT, hooks_router
from portal.controllers.lookup import LookupController
from portal.controllers.returns import ReturnController, ReturnFormController
from portal.controllers.tracking import PageCache, TrackingController
from portal.controllers.unsubscribe import UnsubscribeController
from portal.errors import error_page
from portal.security import RateLimiter, security_headers
from shopdesk import __version__
from shopdesk.config import Settings
from shopdesk.errors import InvalidInput, NotFound
from shopdesk.webhooks.ingest import Ingest

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
MAX_BODY = 64 * 1024  # forms are tiny; nothing bigger gets in


class Metrics:
    """Request counts and latencies for /metrics (per process)."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, int]] = Counter()
        self.seconds: Counter[str] = Counter()

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def measure(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            began, status = time.perf_counter(), [500]

            async def remember(message) -> None:
                if message["type"] == "http.response.start":
                    status[0] = message["status"]
                await send(message)

            try:
                await app(scope, receive, remember)
            finally:
                route = scope.get("path", "").split("/")[1] or "root"
                route = (
                    route
                    if route
                    in ("t", "r", "track", "u", "api", "hooks", "healthz", "metrics", "static")
                    else "other"
                )
                self.requests[(route, status[0])] += 1
                self.seconds[route] += time.perf_counter() - began

        return measure


def create_app(settings: Settings, *, csrf_secret: str | None = None) -> Litestar:
    """The portal for one shop. Call :func:`shopdesk.db.init_db` first, in the same process.

    Args:
        settings: the shop's settings (branding, public URL, …).
        csrf_secret: shared by every portal process of the shop (``shopdesk serve`` reads it
            from the database); a random one per process otherwise.
    """
    from portal.controllers.health import healthz, metrics, theme

    state_metrics = Metrics()
    page_cache = PageCache()
    ingest = Ingest()
    app = Litestar(
        route_handlers=[
            TrackingController,
            LookupController,
            UnsubscribeController,
            ReturnController,
            ReturnFormController,
            api_router,
            hooks_router,
            healthz,
            metrics,
            theme,
            root,
            create_static_files_router(
                "/static", directories=[HERE / "static"], cache_control=None
            ),
        ],
        template_config=TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine),
        csrf_config=CSRFConfig(
            secret=csrf_secret or secrets.token_hex(32),
            cookie_httponly=True,
            cookie_samesite="strict",
            cookie_secure=settings.public_url.startswith("https://"),
            exclude=["/healthz", "/metrics", "/api", "/hooks"],
        ),
        exception_handlers={
            NotFound: lambda request, exc: error_page(request, 404),
            NotFoundException: lambda request, exc: error_page(request, 404),
            InvalidInput: lambda request, exc: error_page(request, 400),
            HTTPException: lambda request, exc: error_page(request, exc.status_code),
        },
        middleware=[state_metrics.middleware, page_cache.middleware, security_headers],
        request_max_body_size=MAX_BODY,  # /hooks has its own, larger limit
        on_startup=[ingest.start],
        on_shutdown=[ingest.stop],
        openapi_config=OpenAPIConfig(
            title="shopdesk",
            version=__version__,
            path="/api/schema",
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http", scheme="bearer", description="shopdesk apikey create NAME"
                    )
                }
            ),
        ),
        logging_config=None,  # shopdesk logs its own way; no background listener thread
        state={
            "settings": settings,
            "metrics": state_metrics,
            "page_cache": page_cache,
            "lookup_limiter": RateLimiter(limit=10, window=600.0),
            "ingest": ingest,
            "hook_limiter": RateLimiter(limit=REJECTED_PER_CLIENT, window=600.0),
        },
        debug=False,
        lifespan=[follow_feed],
    )
    return app


@asynccontextmanager
async def follow_feed(app: Litestar, interval: float = 1.0) -> AsyncIterator[None]:
    """While the portal runs, drop cached pages of orders that other processes changed (the
    CLI, a second portal worker, the owner's TUI): they show within about ``interval``."""
    from shopdesk.services.queries import changes_since, last_change_id

    cache: PageCache = app.state["page_cache"]

    async def follow() -> None:
        seen = await last_change_id()
        while True:
            await asyncio.sleep(interval)
            try:
                while changes := await changes_since(seen):
                    seen = changes[-1].id
                    cache.changed({c.order_id for c in changes if c.order_id is not None})
            except Exception:  # a locked or restarting database: try again next time
                log.warning("could not read the change feed", exc_info=True)

    task = asyncio.create_task(follow(), name="portal-change-feed")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@get("/", media_type=MediaType.HTML, include_in_schema=False)
async def root() -> Response:
    return Response(content="", status_code=303, headers={"Location": "/track"})
