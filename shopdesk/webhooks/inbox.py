"""The webhook inbox: every delivery stored raw, then processed through the services.

A delivery is ``accepted`` (verified, stored, not yet processed), then ``processed``,
``unmatched`` (it names a parcel or order shopdesk does not have yet: replay it later),
``ignored`` (nothing in it to act on) or ``error`` (the services refused it; the reason is
kept). A ``rejected`` delivery (bad signature or body) is kept for the owner and processed
only when they replay it.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from shopdesk.errors import InvalidInput, NotFound, ShopdeskError
from shopdesk.models import Order, RawInput
from shopdesk.services import rawsql
from shopdesk.services.common import utcnow
from shopdesk.services.order_sync import add_parcel, apply_orders
from shopdesk.services.shipments import record_events
from shopdesk.tracking.carriers import clean_tracking_number
from shopdesk.webhooks import PARSERS, Malformed, Work, webhook_source
from shopdesk.webhooks.work import NewParcel

log = logging.getLogger("shopdesk.webhooks")
STATUSES = ("accepted", "processed", "unmatched", "ignored", "error", "rejected")


@dataclass(slots=True)
class Incoming:
    """One delivery to store: accepted (with its parsed work) or rejected (with why)."""

    source: str  # shopify, woocommerce, …
    body: str
    headers: dict[str, str]
    key: str  # dedupe key (RawInput.digest)
    status: str = "accepted"
    error: str = ""
    topic: str = ""
    event_id: str = ""
    ref: str = ""  # where it came from (the client address)
    work: Work | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    duplicate: bool  # the same delivery was stored before: nothing new


_RAW_COLUMNS = "source, ref, digest, body, status, error, event_id, topic, headers, received_at"


async def store(batch: Sequence[Incoming]) -> list[Stored]:
    """Store deliveries durably, in one transaction; a delivery whose key is stored already
    (a retry or a replay by the sender) stores nothing and is reported as a duplicate."""
    firsts: dict[str, Incoming] = {}
    for item in batch:
        firsts.setdefault(item.key, item)
    now = utcnow()
    fresh: dict[str, int] = {}
    known: dict[str, int] = {}
    async with in_transaction():
        for chunk in rawsql.chunks(list(firsts.values()), width=10):
            p = rawsql.Params()
            rows = p.rows(_raw_row(item, now) for item in chunk)
            for raw_id, digest in await rawsql.fetch(
                f"INSERT INTO raw_input ({_RAW_COLUMNS}) VALUES {rows} "
                "ON CONFLICT (digest) DO NOTHING RETURNING id AS raw_id, digest AS raw_digest",
                p,
            ):
                fresh[digest] = raw_id
        stored_before = [key for key in firsts if key not in fresh]
        for chunk in rawsql.chunks(stored_before):
            p = rawsql.Params()
            known.update(
                (digest, raw_id)
                for raw_id, digest in await rawsql.fetch(
                    "SELECT id AS raw_id, digest AS raw_digest FROM raw_input "
                    f"WHERE digest IN ({p.list(chunk)})",
                    p,
                )
            )
    results, seen = [], set()
    for item in batch:  # the second of two identical deliveries in one batch is a duplicate too
        key = item.key
        results.append(
            Stored(fresh[key], False)
            if key in fresh and key not in seen
            else Stored(fresh.get(key) or known[key], True)
        )
        seen.add(key)
    return results


def _raw_row(item: Incoming, now: datetime) -> tuple[object, ...]:
    return (
        webhook_source(item.source),
        item.ref[:300],
        item.key,
        item.body,
        item.status,
        item.error,
        item.event_id[:200],
        item.topic[:100],
        json.dumps(item.headers, ensure_ascii=False),
        now,
    )


async def process(batch: Sequence[tuple[int, Work | None]]) -> None:
    """Carry out accepted deliveries: tracking-only ones together in one transaction, the
    others one by one; each delivery's outcome is recorded on its row. Never raises for a
    delivery's content."""
    wanted = dict(batch)
    works: dict[int, Work] = {}
    outcomes: dict[int, tuple[str, str]] = {}
    for raw_id, source, topic, body in await _accepted(wanted):
        try:
            works[raw_id] = wanted[raw_id] or PARSERS[source.removeprefix("hook:")](topic, body)
        except (Malformed, KeyError) as exc:
            outcomes[raw_id] = ("error", str(exc))
    tracking = {i: w for i, w in works.items() if w.events_only and not w.ignored}
    for raw_id, work in works.items():
        if work.ignored:
            outcomes[raw_id] = ("ignored", work.ignored)
    if tracking:
        try:
            async with in_transaction():
                outcomes.update(await _record(tracking))
                await _mark(outcomes)
            outcomes = {}
        except ShopdeskError:  # one bad event: take them one at a time to find it
            for raw_id, work in tracking.items():
                outcomes[raw_id] = await _one(work)
    for raw_id, work in works.items():
        if raw_id not in tracking and not work.ignored:
            outcomes[raw_id] = await _one(work)
    await _mark(outcomes)


async def _accepted(wanted: dict[int, Work | None]) -> list[tuple[int, str, str, str]]:
    """(id, source, topic, body) of the wanted deliveries still accepted, oldest first; the
    body is read only for those not parsed already ('' for the others)."""
    rows = []
    for chunk in rawsql.chunks(sorted(wanted)):
        p = rawsql.Params()
        unparsed = [raw_id for raw_id in chunk if wanted[raw_id] is None] or [0]
        rows += await rawsql.fetch(
            "SELECT id AS raw_id, source, topic, "
            f"CASE WHEN id IN ({p.list(unparsed)}) THEN body ELSE '' END AS raw_body "
            f"FROM raw_input WHERE id IN ({p.list(chunk)}) AND status = {p('accepted')}",
            p,
        )
    return sorted(rows)


async def _record(tracking: dict[int, Work]) -> dict[int, tuple[str, str]]:
    """Record every delivery's events in one call; their outcomes by delivery."""
    events = [e for work in tracking.values() for e in work.events]
    result = await record_events(events)
    unknown = set(result.unknown)
    outcomes = {}
    for raw_id, work in tracking.items():
        missing = sorted({_clean(e.tracking_number) for e in work.events} & unknown)
        outcomes[raw_id] = _unmatched(missing) if missing else ("processed", "")
    return outcomes


def _clean(number: str) -> str:
    try:
        return clean_tracking_number(number)
    except InvalidInput:
        return number


def _unmatched(numbers: list[str]) -> tuple[str, str]:
    return (
        "unmatched",
        f"no parcel with tracking number {', '.join(numbers)} yet; add it "
        "(shopdesk ship NUMBER --tracking T), then 'shopdesk inbox replay' this delivery",
    )


async def _one(work: Work) -> tuple[str, str]:
    """Carry out one delivery in one transaction; its outcome."""
    try:
        async with in_transaction():
            return await _apply(work)
    except _Unmatched as exc:
        return ("unmatched", str(exc))
    except ShopdeskError as exc:
        return ("error", str(exc))
    except IntegrityError as exc:
        return ("error", f"clashes with a stored record: {exc}")


async def _apply(work: Work) -> tuple[str, str]:
    await apply_orders(work)  # create or update, cancel or re-open
    missing_orders = []
    for parcel in work.parcels:
        number = await _order_number(parcel)
        if number is None:
            missing_orders.append(
                parcel.external_order[1] if parcel.external_order else parcel.order_number or "?"
            )
            continue
        await add_parcel(number, parcel)  # or correct the one with its fulfillment id
    if missing_orders:
        raise _Unmatched(
            f"no order {', '.join(missing_orders)} yet (it may still be on its "
            "way); 'shopdesk inbox replay' this delivery once the order is in"
        )
    if work.events:
        result = await record_events(work.events)
        if result.unknown:
            return _unmatched(sorted(set(result.unknown)))
    return ("processed", "")


class _Unmatched(NotFound):
    pass


async def _order_number(parcel: NewParcel) -> str | None:
    """The shopdesk order a parcel belongs to: by the shop's order id, else by number."""
    if parcel.external_order:
        sources, external_id = parcel.external_order
        found = await Order.filter(source__in=list(sources), external_id=external_id).values_list(
            "number", flat=True
        )
        if found:
            return found[0]
    if parcel.order_number:
        number = parcel.order_number.strip().removeprefix("#")
        if await Order.exists(number=number):
            return number
    return None


async def _mark(outcomes: dict[int, tuple[str, str]]) -> None:
    """Record outcomes, one UPDATE per distinct (status, reason)."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for raw_id, (status, error) in outcomes.items():
        groups[(status, error)].append(raw_id)
    now = utcnow()
    for (status, error), ids in groups.items():
        if status == "error" or status == "unmatched":
            log.info("webhook deliveries %s %s: %s", ids, status, error)
        for chunk in rawsql.chunks(ids):
            p = rawsql.Params()
            await rawsql.execute(
                f"UPDATE raw_input SET status = {p(status)}, error = {p(error[:2000])}, "
                f"processed_at = {p(now)} WHERE id IN ({p.list(chunk)})",
                p,
            )


async def recover() -> list[int]:
    """Deliveries stored but not processed (the process stopped in between), oldest first."""
    return list(
        await RawInput.filter(status="accepted", source__startswith="hook:")
        .order_by("id")
        .values_list("id", flat=True)
    )


# --- the owner's view -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: int
    source: str
    topic: str
    event_id: str
    status: str
    error: str
    received_at: datetime
    size: int


@dataclass(frozen=True, slots=True)
class InboxEntry:
    row: InboxRow
    body: str
    headers: dict[str, str]
    ref: str
    processed_at: datetime | None


def _row(r: RawInput, size: int) -> InboxRow:
    return InboxRow(
        r.id,
        r.source.removeprefix("hook:"),
        r.topic,
        r.event_id,
        r.status,
        r.error,
        r.received_at,
        size,
    )


async def list_inbox(
    status: str | None = None, source: str | None = None, limit: int = 50
) -> list[InboxRow]:
    """Webhook deliveries, newest first."""
    query = RawInput.filter(source__startswith="hook:")
    if status:
        query = query.filter(status=status)
    if source:
        query = query.filter(source=webhook_source(source))
    rows = (
        await query.order_by("-id")
        .limit(limit)
        .only("id", "source", "topic", "event_id", "status", "error", "received_at")
    )
    return [_row(r, 0) for r in rows]


async def get_entry(raw_id: int) -> InboxEntry:
    """One delivery with its body and headers.

    Raises:
        NotFound: no webhook delivery with that id.
    """
    row = await RawInput.get_or_none(id=raw_id, source__startswith="hook:")
    if row is None:
        raise NotFound(f"no webhook delivery {raw_id} ('shopdesk inbox list' shows them)")
    try:
        headers = json.loads(row.headers) if row.headers else {}
    except ValueError:
        headers = {}
    return InboxEntry(
        _row(row, len(row.body.encode())), row.body, headers, row.ref, row.processed_at
    )


async def replay(raw_id: int) -> tuple[str, str]:
    """Process a stored delivery again, whatever its status (the owner's explicit command):
    read its body afresh, carry it out, record and return the outcome.

    Raises:
        NotFound: no webhook delivery with that id.
    """
    entry = await get_entry(raw_id)
    source = entry.row.source
    try:
        work = PARSERS[source](entry.row.topic, entry.body)
    except (Malformed, KeyError) as exc:
        outcome = (
            "error",
            str(exc) if not isinstance(exc, KeyError) else f"unknown source {source}",
        )
    else:
        outcome = ("ignored", work.ignored) if work.ignored else await _one(work)
    await _mark({raw_id: outcome})
    return outcome
