"""``shopdesk import orders|tracking FILE``."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from shopdesk.config import Settings
from shopdesk.importers.csvfile import ImportReport
from shopdesk.importers.orders import import_orders as run_order_import
from shopdesk.importers.tracking import import_tracking as run_tracking_import

MAX_SHOWN = 50


async def import_orders(settings: Settings, args: Namespace) -> int:
    report = await run_order_import(settings, Path(args.file), args.format)
    return _print(report, "order")


async def import_tracking(settings: Settings, args: Namespace) -> int:
    report = await run_tracking_import(settings, Path(args.file))
    return _print(report, "parcel")


def _print(report: ImportReport, noun: str) -> int:
    import sys

    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for line, reason in report.errors[:MAX_SHOWN]:
        print(f"line {line}: {reason}", file=sys.stderr)
    if len(report.errors) > MAX_SHOWN:
        print(f"… and {len(report.errors) - MAX_SHOWN} more bad rows", file=sys.stderr)
    plural = "s" if report.created != 1 else ""
    print(
        f"Imported {report.created} {noun}{plural} from {report.rows} rows; "
        f"{report.existing} already there, {len(report.errors)} bad rows."
    )
    return 0 if report.ok else 1
