"""``shopdesk exceptions``: the owner's exceptions queue, oldest first."""

from __future__ import annotations

import json
from argparse import Namespace

from shopdesk.config import Settings
from shopdesk.services.exceptions import exceptions_queue


async def exceptions(settings: Settings, args: Namespace) -> int:
    queue = await exceptions_queue(include_dismissed=args.all)
    if args.json:
        print(json.dumps([item.to_json() for item in queue.items], ensure_ascii=False, indent=2))
        return 0
    if not queue.items:
        print(
            "Nothing needs you."
            + (f" ({queue.dismissed} dismissed; --all shows them)" if queue.dismissed else "")
        )
        return 0
    zone = settings.zone
    for item in queue.items:
        dismissed = f"  [dismissed: {item.dismissed_note}]" if item.dismissed_note else ""
        print(
            f"{item.since.astimezone(zone):%Y-%m-%d %H:%M}  {item.kind:<20} {item.title}{dismissed}"
        )
        if item.detail:
            print(f"{'':38}{item.detail}")
    if queue.dismissed and not args.all:
        print(f"({queue.dismissed} dismissed; --all shows them)")
    return 0
