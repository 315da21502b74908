"""``shopdesk demo``: seed a demo shop (a throwaway one unless a data dir is named)."""

from __future__ import annotations

import os
import tempfile
from argparse import Namespace
from dataclasses import replace
from pathlib import Path

from shopdesk.config import Settings
from shopdesk.db import database
from shopdesk.demo import describe, seed
from shopdesk.errors import InvalidInput


async def demo(settings: Settings, args: Namespace) -> int:
    if not 1 <= args.orders <= 200_000:
        raise InvalidInput("--orders must be 1 to 200,000")
    chosen = getattr(args, "data_dir", None) or os.environ.get("SHOPDESK_DATA_DIR")
    if not chosen:
        # A throwaway shop: its own directory and SQLite file, whatever the config says.
        settings = replace(settings, data_dir=Path(tempfile.mkdtemp(prefix="shopdesk-demo-")),
                           database_url="")
    async with database(settings):
        counts = await seed(args.orders, seed=args.seed)
    where = settings.data_dir
    print(f"Seeded a demo shop with {sum(counts.values())} orders: {describe(counts)}.")
    print(f"Data directory: {where}")
    prefix = "shopdesk" if chosen else f"shopdesk --data-dir {where}"
    print("Look around:")
    print(f"  {prefix} orders list")
    print(f"  {prefix} orders list --attention")
    print(f"  {prefix} orders show 1001")
    if not args.seed_only:
        print("The portal and the TUI are not built yet; the commands above show the shop.")
    return 0
