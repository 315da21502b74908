"""``shopdesk demo``: seed a demo shop — a disposable one unless a data dir is named — then
``shopdesk run`` on it (portal, worker and TUI; the portal alone when not at a terminal).

The disposable shop lives in the user cache dir and is replaced by every ``shopdesk demo``.
Until the owner sets up a shop of their own, the other commands show it (and say so).
"""

from __future__ import annotations

import os
import sys
from argparse import Namespace
from dataclasses import replace

from shopdesk.config import Settings, demo_dir, load_settings
from shopdesk.db import database
from shopdesk.demo import describe, seed
from shopdesk.errors import InvalidInput
from shopdesk.services import queries


async def demo(settings: Settings, args: Namespace) -> int:
    if not 1 <= args.orders <= 200_000:
        raise InvalidInput("--orders must be 1 to 200,000")
    chosen = getattr(args, "data_dir", None) or os.environ.get("SHOPDESK_DATA_DIR")
    if settings.public_url == Settings().public_url:  # not configured: where the demo serves
        settings = replace(settings, public_url=f"http://127.0.0.1:{args.port}")
    if not chosen:
        # A disposable shop: its own directory and SQLite file, whatever the config says.
        settings = replace(settings, data_dir=demo_dir(), database_url="")
        for name in ("shopdesk.sqlite3", "shopdesk.sqlite3-wal", "shopdesk.sqlite3-shm"):
            (settings.data_dir / name).unlink(missing_ok=True)
    async with database(settings):
        counts = await seed(args.orders, seed=args.seed)
        shipped = await queries.list_orders(stage="shipped", limit=1)
        example = (
            await queries.order_view(settings, shipped.rows[0].number) if shipped.rows else None
        )
    where = settings.data_dir
    print(f"Seeded a demo shop with {sum(counts.values())} orders: {describe(counts)}.")
    print(f"Data directory: {where}")
    own_shop = not chosen and not load_settings(getattr(args, "config", None)).showing_demo
    prefix = f"shopdesk --data-dir {where}" if own_shop else "shopdesk"
    print("Look around:")
    print(f"  {prefix} orders list")
    print(f"  {prefix} orders list --attention")
    print(f"  {prefix} orders show 1001")
    if args.seed_only:
        return 0
    print(f"Portal: http://127.0.0.1:{args.port}")
    if example is not None:
        print(f"A customer's tracking page: {example.tracking_url}")
    sys.stdout.flush()
    with_tui = not args.no_tui and sys.stdin.isatty() and sys.stdout.isatty()
    if with_tui:
        from shopdesk.commands.tui import run as run_all

        command = run_all
    else:
        from shopdesk.commands.serve import serve as command
    async with database(settings):
        return await command(
            settings,
            Namespace(host="127.0.0.1", port=args.port, no_worker=False, screen="dashboard"),
        )
