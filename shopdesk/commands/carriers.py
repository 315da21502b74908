"""``shopdesk carriers status|poll``: carrier API health, and one polling round for cron."""

from __future__ import annotations

import dataclasses
import json
import sys
from argparse import Namespace
from datetime import datetime

from shopdesk.config import Settings


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


async def status(settings: Settings, args: Namespace) -> int:
    from shopdesk.carriers.status import carrier_status

    rows = await carrier_status(settings)
    if args.json:
        print(json.dumps([dataclasses.asdict(r) for r in rows], default=str, indent=2))
        return 0
    if not rows:
        print(
            "No carrier APIs configured; add a [carriers.<name>] section (dhl, usps, ups, "
            "fedex) to the config."
        )
        return 0
    for r in rows:
        state = "ready" if r.configured else "not configured (credentials missing or disabled)"
        print(f"{r.name}: {state}")
        print(
            f"  budget      {r.budget_left} of {r.budget} requests left "
            f"(per {r.window_seconds // 60} min)"
        )
        print(f"  last ok     {_when(r.last_success_at)}")
        if r.last_error:
            print(f"  last error  {_when(r.last_error_at)}: {r.last_error}")
        if r.paused_until:
            print(f"  paused      until {_when(r.paused_until)}")
        print(f"  next poll   {_when(r.next_poll_at)}")
    return 0


async def poll(settings: Settings, args: Namespace) -> int:
    import asyncio
    import signal

    from shopdesk.carriers.scheduler import Poller, configured

    if not configured(settings):
        print(
            "shopdesk: no carrier API is configured; add [carriers.<name>] with its "
            "credentials (see config.example.toml)",
            file=sys.stderr,
        )
        return 1
    async with Poller(settings) as poller:
        if args.once:
            for r in await poller.run_once():
                line = (
                    f"{r.carrier}: {r.polled} of {r.due} due polled, {r.requests} requests, "
                    f"{r.recorded} new events, {r.not_found} not found yet, "
                    f"{r.invalid} invalid"
                )
                print(line + (f"; error: {r.error}" if r.error else ""))
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await poller.run_forever(stop)
    return 0
