"""``shopdesk demo``: seed a demo shop — a disposable one unless a data dir is named.

The disposable shop lives in the user cache dir and is replaced by every ``shopdesk demo``.
Until the owner sets up a shop of their own, the other commands show it (and say so).
"""

from __future__ import annotations

import os
from argparse import Namespace
from dataclasses import replace

from shopdesk.config import Settings, demo_dir, load_settings
from shopdesk.db import database
from shopdesk.demo import describe, seed
from shopdesk.errors import InvalidInput


async def demo(settings: Settings, args: Namespace) -> int:
    if not 1 <= args.orders <= 200_000:
        raise InvalidInput("--orders must be 1 to 200,000")
    chosen = getattr(args, "data_dir", None) or os.environ.get("SHOPDESK_DATA_DIR")
    if not chosen:
        # A disposable shop: its own directory and SQLite file, whatever the config says.
        settings = replace(settings, data_dir=demo_dir(), database_url="")
        for name in ("shopdesk.sqlite3", "shopdesk.sqlite3-wal", "shopdesk.sqlite3-shm"):
            (settings.data_dir / name).unlink(missing_ok=True)
    async with database(settings):
        counts = await seed(args.orders, seed=args.seed)
    where = settings.data_dir
    print(f"Seeded a demo shop with {sum(counts.values())} orders: {describe(counts)}.")
    print(f"Data directory: {where}")
    own_shop = not chosen and not load_settings(getattr(args, "config", None)).showing_demo
    prefix = f"shopdesk --data-dir {where}" if own_shop else "shopdesk"
    print("Look around:")
    print(f"  {prefix} orders list")
    print(f"  {prefix} orders list --attention")
    print(f"  {prefix} orders show 1001")
    if not args.seed_only:
        print("The portal and the TUI are not built yet; the commands above show the shop.")
    return 0
