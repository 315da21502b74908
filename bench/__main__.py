"""Run one benchmark: ``python -m bench NAME [--quick]``.

Prints a readable table, then, as its last line, one JSON object with every figure and its
ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys

BENCHMARKS = {
    "ingest": "tracking events through the service layer vs raw aiosqlite inserts",
    "search": "order search latency on a large shop vs the same query in raw SQLite",
    "portal": "tracking pages/s and p99 at 64 connections (uvicorn + wrk), cold/warm tokens "
    "vs Litestar hello-world and raw aiosqlite+Jinja",
    "exceptions": "the owner's exceptions queue on a large shop vs raw sqlite3 reading the "
    "same rows",
    "webhooks": "signed tracking webhooks (events/s, p99) into a real shopdesk serve vs the "
    "same server's bare 200 route",
    "notify": "notifications/s through Sender (SMTP, json://) at 1/10/50 concurrent vs raw "
    "aiosmtplib/httpx, plus Apprise as-is",
    "tui": "shopdesk tui: launch to first screen, search keystroke latency and peak RSS on "
    "1,000 and 100,000 orders vs an empty Textual app",
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "name",
        choices=sorted(BENCHMARKS),
        help="; ".join(f"{k}: {v}" for k, v in BENCHMARKS.items()),
    )
    parser.add_argument("--quick", action="store_true", help="a smaller run, for a smoke test")
    args = parser.parse_args()
    module = importlib.import_module(f"bench.{args.name}")
    result = asyncio.run(module.run(quick=args.quick))
    print_table(result)
    print(json.dumps(result, sort_keys=True))
    return 0


def print_table(result: dict) -> None:
    print(f"\n{result['benchmark']}: {result['description']}")
    print(f"{'figure':<34} {'value':>14} {'unit':<10} {'ratio to baseline':>18}")
    for name, figure in result["figures"].items():
        ratio = figure.get("ratio")
        print(
            f"{name:<34} {figure['value']:>14,.3f} {figure['unit']:<10} "
            f"{'' if ratio is None else f'{ratio:.3f}':>18}"
        )
    print(f"baseline: {result['baseline']}", file=sys.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
