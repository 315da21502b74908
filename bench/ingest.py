"""``ingest``: tracking events through the service layer — one transaction per event, and
batched — against raw aiosqlite inserts of the same rows, each on a copy of the same shop."""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import aiosqlite

from bench.shop import build_shop, temp_settings, tracking_number
from shopdesk.db import close_db, init_db
from shopdesk.services.shipments import NewEvent, record_event, record_events

STEPS = (
    "Shipment information received",
    "Picked up by courier",
    "Departed facility",
    "Arrived at sort facility",
    "Departed sort facility",
    "In transit to destination",
    "Arrived at destination facility",
    "Processed at local depot",
    "Out for delivery",
    "Delivered, left with neighbour",
)
EVENTS_PER_PARCEL = len(STEPS)
BATCH = 500


def make_events(parcels: int) -> list[NewEvent]:
    """Ten scans per parcel, arriving interleaved across parcels in time order."""
    start = datetime.now(UTC) - timedelta(days=30)
    return [
        NewEvent(
            tracking_number=tracking_number(p),
            description=STEPS[step],
            occurred_at=start + timedelta(hours=step * 7, seconds=p),
            source="bench",
            location="Hub",
        )
        for step in range(EVENTS_PER_PARCEL)
        for p in range(parcels)
    ]


async def run(quick: bool = False) -> dict:
    total = 5_000 if quick else 100_000
    parcels = total // EVENTS_PER_PARCEL
    template = temp_settings("ingest")
    await init_db(template)
    await build_shop(parcels)
    await close_db()
    events = make_events(parcels)

    def copy(name: str):
        settings = replace(template, data_dir=template.data_dir / name)
        settings.data_dir.mkdir()
        shutil.copy(template.data_dir / "shopdesk.sqlite3", settings.data_dir)
        return settings

    single = copy("single")
    await init_db(single)
    began = time.perf_counter()
    for event in events:
        await record_event(event)
    single_s = time.perf_counter() - began
    await close_db()

    batched = copy("batched")
    await init_db(batched)
    began = time.perf_counter()
    for lo in range(0, total, BATCH):
        await record_events(events[lo : lo + BATCH])
    batched_s = time.perf_counter() - began
    await close_db()

    raw_s = await raw_inserts(copy("raw").db_url.removeprefix("sqlite://"), events)

    raw_rate = total / raw_s
    figures = {
        "raw aiosqlite inserts (baseline)": {"value": raw_rate, "unit": "events/s", "ratio": 1.0},
        "service, one transaction each": {
            "value": total / single_s,
            "unit": "events/s",
            "ratio": total / single_s / raw_rate,
        },
        f"service, batches of {BATCH}": {
            "value": total / batched_s,
            "unit": "events/s",
            "ratio": total / batched_s / raw_rate,
        },
    }
    shutil.rmtree(template.data_dir, ignore_errors=True)
    return {
        "benchmark": "ingest",
        "description": f"{total:,} tracking events on a {parcels:,}-parcel SQLite shop",
        "baseline": f"raw aiosqlite executemany INSERTs of the same rows, {BATCH} per "
        "transaction (no normalising, no state)",
        "events": total,
        "figures": figures,
    }


async def raw_inserts(path: str, events: list[NewEvent]) -> float:
    """The floor: the same rows written with aiosqlite, no engine."""
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        ids = dict(await conn.execute_fetchall("SELECT tracking_number, id FROM shipment"))
        began = time.perf_counter()
        now = datetime.now(UTC).isoformat()
        for lo in range(0, len(events), BATCH):
            rows = [
                (
                    ids[e.tracking_number],
                    e.occurred_at.isoformat(),
                    "in_transit",
                    "",
                    e.description,
                    e.location,
                    e.source,
                    hashlib.sha256(f"{e.occurred_at}{e.description}".encode()).hexdigest()[:40],
                    now,
                )
                for e in events[lo : lo + BATCH]
            ]
            await conn.execute("BEGIN")
            await conn.executemany(
                "INSERT INTO tracking_event (shipment_id, occurred_at, milestone, raw_code, "
                "raw_description, location, source, dedupe_key, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            await conn.execute("COMMIT")
        return time.perf_counter() - began
