"""Tracking import: ``order_number,carrier,tracking_number[,shipped_at]``, one parcel a row."""

from __future__ import annotations

from pathlib import Path

from tortoise.transactions import in_transaction

from shopdesk.config import Settings
from shopdesk.errors import AlreadyExists, ShopdeskError
from shopdesk.importers.csvfile import ImportReport, mark_raw, open_csv, progress, store_raw
from shopdesk.parsing import parse_time
from shopdesk.services.shipments import add_shipment

COLUMNS = ("order_number", "carrier", "tracking_number")
SOURCE = "csv:tracking"
BATCH = 500


async def import_tracking(settings: Settings, path: Path) -> ImportReport:
    """Add a shipment per row. A row whose shipment exists already changes nothing.

    Raises:
        InvalidInput: the file as a whole is unusable (encoding, header, size).
    """
    csv_file = open_csv(path, COLUMNS)
    report = ImportReport(warnings=list(csv_file.warnings))
    rows = []
    for row in csv_file.rows():
        report.rows += 1
        if isinstance(row, tuple):
            report.errors.append(row)
        else:
            rows.append(row)
    advance, done = progress(len(rows), f"Importing {path.name}")
    try:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            async with in_transaction():
                raw = await store_raw(SOURCE, path, chunk)
                outcomes = {}
                for row in chunk:
                    values = row.values
                    try:
                        shipped = values.get("shipped_at", "").strip()
                        await add_shipment(
                            values["order_number"],
                            values["tracking_number"],
                            carrier=values["carrier"],
                            shipped_at=parse_time(shipped, settings.zone) if shipped else None,
                        )
                        report.created += 1
                        outcomes[row.line] = ""
                    except AlreadyExists:
                        report.existing += 1
                        outcomes[row.line] = ""
                    except ShopdeskError as exc:
                        report.errors.append((row.line, str(exc)))
                        outcomes[row.line] = str(exc)
                await mark_raw(raw, outcomes)
            advance(len(chunk))
    finally:
        done()
    return report
