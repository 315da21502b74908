"""The servers ``bench/portal.py`` measures, each under uvicorn in its own process:

    python -m bench.portal_apps shopdesk|hello|raw --data-dir DIR --port PORT

* ``shopdesk``: the real portal (``init_db`` + ``create_app``), as ``shopdesk serve`` runs it
  (no notification worker).
* ``hello``: a bare Litestar app answering ``/t/{token}`` with a fixed text body.
* ``raw``: a bare Litestar app answering ``/t/{token}`` with one indexed SELECT (the order, its
  customer, parcels and scans joined) through one aiosqlite connection (same WAL/NORMAL
  pragmas) and a plain Jinja page of similar shape: the floor for a page read from the
  database.

All three use the same uvicorn settings (:data:`UVICORN`).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import aiosqlite
import jinja2
from litestar import Litestar, MediaType, Response, get
from litestar.exceptions import NotFoundException

UVICORN = {
    "host": "127.0.0.1",
    "log_level": "warning",
    "access_log": False,
    "proxy_headers": False,
    "timeout_graceful_shutdown": 10,
}

RAW_SQL = (
    "SELECT o.number, o.stage, o.placed_at, o.updated_at, o.currency, o.total_minor, c.name, "
    "s.id AS parcel, s.carrier, s.tracking_number, s.milestone, s.shipped_at, "
    "e.occurred_at, e.milestone AS scan, e.raw_description, e.location FROM orders o "
    "LEFT JOIN customer c ON c.id = o.customer_id "
    "LEFT JOIN shipment s ON s.order_id = o.id "
    "LEFT JOIN tracking_event e ON e.shipment_id = s.id WHERE o.token = ? "
    "ORDER BY s.id, e.occurred_at DESC"
)

RAW_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>Order {{ o.number }} · {{ shop }}</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<header class="top"><span class="shop">{{ shop }}</span></header>
<main id="main">
<section class="summary" data-status-url="/t/{{ token }}/status">
  <h1>Order {{ o.number }}</h1>
  <p class="stage stage-{{ o.stage }}">{{ o.stage|capitalize }}</p>
  <p class="next">Placed {{ o.placed_at }} by {{ o.name }}</p>
</section>
{% for p in parcels %}
<section class="parcel">
  <h2>{{ p.milestone|replace('_', ' ')|capitalize }}</h2>
  <dl class="facts"><dt>{{ p.carrier }}</dt><dd>{{ p.tracking_number }}</dd></dl>
  <p class="freshness">Shipped {{ p.shipped_at }}</p>
  <ol class="timeline">{% for e in p.scans %}
    <li><time>{{ e.occurred_at }}</time> <strong>{{ e.scan }}</strong>
      <span>{{ e.raw_description }}</span> <span class="where">{{ e.location }}</span></li>
  {% endfor %}</ol>
</section>
{% endfor %}
</main>
<footer class="bottom"><nav>{% for code in langs %}<a href="?lang={{ code }}">{{ code }}</a>
{%- if not loop.last %} · {% endif %}{% endfor %}</nav></footer>
</body>
</html>
"""


def hello_app() -> Litestar:
    @get("/t/{token:str}", media_type=MediaType.TEXT)
    async def hello(token: str) -> str:
        return "Hello, world!"

    return Litestar(route_handlers=[hello], openapi_config=None, logging_config=None)


def raw_app(db_path: Path) -> Litestar:
    template = jinja2.Environment(autoescape=True).from_string(RAW_TEMPLATE)
    state: dict = {}

    async def open_db() -> None:
        conn = await aiosqlite.connect(db_path)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        state["db"] = conn

    async def close_db() -> None:
        await state["db"].close()

    @get("/t/{token:str}", media_type=MediaType.HTML)
    async def page(token: str) -> Response:
        async with state["db"].execute(RAW_SQL, (token,)) as cursor:
            rows = await cursor.fetchall()
        if not rows:
            raise NotFoundException()
        parcels: dict[int, dict] = {}
        for r in rows:
            if r["parcel"] is not None:
                parcels.setdefault(r["parcel"], {**r, "scans": []})["scans"].append(r)
        html = template.render(
            o=rows[0],
            parcels=list(parcels.values()),
            token=token,
            shop="My Shop",
            langs=("en", "de", "fr", "es", "nl"),
        )
        return Response(
            html, media_type=MediaType.HTML, headers={"Cache-Control": "private, no-cache"}
        )

    return Litestar(
        route_handlers=[page],
        on_startup=[open_db],
        on_shutdown=[close_db],
        openapi_config=None,
        logging_config=None,
    )


async def serve(kind: str, data_dir: Path, port: int) -> None:
    import uvicorn

    from shopdesk.config import Settings

    settings = Settings(data_dir=data_dir)
    if kind == "shopdesk":
        from portal.app import create_app
        from shopdesk.db import close_db, init_db

        await init_db(settings)
        app = create_app(settings, csrf_secret="b" * 64)
    elif kind == "hello":
        app = hello_app()
    else:
        app = raw_app(Path(settings.db_url.removeprefix("sqlite://")))
    server = uvicorn.Server(uvicorn.Config(app, port=port, **UVICORN))
    try:
        await server.serve()
    finally:
        if kind == "shopdesk":
            await close_db()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.portal_apps")
    parser.add_argument("kind", choices=("shopdesk", "hello", "raw"))
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.kind, args.data_dir, args.port))


if __name__ == "__main__":
    main()
