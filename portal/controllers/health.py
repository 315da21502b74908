"""``/healthz``, ``/metrics`` (Prometheus text) and ``/theme.css`` (the shop's colours)."""

from __future__ import annotations

from litestar import MediaType, Request, Response, get

from shopdesk.notify.outbox import counts as outbox_counts
from shopdesk.services.queries import count_by_stage


@get("/healthz", media_type=MediaType.JSON)
async def healthz() -> dict[str, str]:
    await count_by_stage()  # the database answers
    return {"status": "ok"}


@get("/metrics", media_type="text/plain; version=0.0.4")
async def metrics(request: Request) -> str:
    lines = ["# HELP shopdesk_orders Orders by stage.", "# TYPE shopdesk_orders gauge"]
    lines += [
        f'shopdesk_orders{{stage="{stage}"}} {n}' for stage, n in (await count_by_stage()).items()
    ]
    lines += [
        "# HELP shopdesk_notifications Outbox rows by status.",
        "# TYPE shopdesk_notifications gauge",
    ]
    lines += [
        f'shopdesk_notifications{{status="{status}"}} {n}'
        for status, n in sorted((await outbox_counts()).items())
    ]
    measured = request.app.state["metrics"]
    lines += [
        "# HELP shopdesk_http_requests_total Requests by route and status.",
        "# TYPE shopdesk_http_requests_total counter",
    ]
    lines += [
        f'shopdesk_http_requests_total{{route="{route}",status="{status}"}} {n}'
        for (route, status), n in sorted(measured.requests.items())
    ]
    lines += [
        "# HELP shopdesk_http_request_seconds_sum Time spent answering, by route.",
        "# TYPE shopdesk_http_request_seconds_sum counter",
    ]
    lines += [
        f'shopdesk_http_request_seconds_sum{{route="{route}"}} {s:.6f}'
        for route, s in sorted(measured.seconds.items())
    ]
    return "\n".join(lines) + "\n"


@get("/theme.css", media_type="text/css")
async def theme(request: Request) -> Response:
    settings = request.app.state["settings"]
    css = (
        f":root {{ --brand: {settings.primary_color}; --link: {settings.primary_color}; "
        f"--accent: {settings.accent_color}; }}\n"
    )
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=300"})
