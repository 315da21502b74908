"""The owner's exceptions queue: everything that needs a human, in one list, oldest first.

Built from the state as it is — parcels with a problem milestone or a watch episode (stalled,
late), orders not shipped in time, messages that gave up, imported rows nobody could read,
returns waiting for the owner or whose parcel back is in trouble — so an item disappears by
itself once its cause is resolved. The owner may also set an item aside with a note
(:func:`dismiss`); the dismissal is stored against the item's ``key``, which names the cause
as it is now (a parcel's milestone and the time of its scan, a message's attempt count), so
the item comes back when the cause changes again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from shopdesk.errors import NotFound
from shopdesk.models import Change, Dismissal, Notification, Order, RawInput, Return, Shipment
from shopdesk.services.common import record_changes
from shopdesk.services.returns import clean_text
from shopdesk.views import jsonable

# Parcel milestones that need a human, and what the queue calls them.
PARCEL_PROBLEMS = {
    "exception": "carrier exception",
    "attempt_failed": "delivery attempt failed",
    "returning_to_sender": "returning to sender",
    "returned_to_sender": "returned to sender",
}
WATCH = {"stalled": "stalled", "late": "late"}
_RETURN_PARCEL_PROBLEMS = ("exception", "returning_to_sender", "returned_to_sender")
# What resolves each kind, besides dismissing it (the UI offers these).
ACTIONS: dict[str, tuple[str, ...]] = {
    "exception": ("milestone", "note"),
    "attempt_failed": ("milestone", "note"),
    "returning_to_sender": ("milestone", "note"),
    "returned_to_sender": ("ship", "note"),
    "stalled": ("milestone", "note"),
    "late": ("milestone", "note"),
    "dispatch_delayed": ("ship", "note"),
    "notification_failed": ("retry", "note"),
    "import_error": (),
    "return_requested": ("approve", "reject"),
    "return_received": ("refund", "exchange"),
    "return_parcel": ("receive", "note"),
}
KINDS = tuple(ACTIONS)
MAX_NOTE = 1000
MAX_SOURCE_ROWS = 2000  # per source: a queue longer than this is a different problem


@dataclass(frozen=True, slots=True)
class ExceptionItem:
    """One thing that needs the owner."""

    key: str  # the cause as it is now; a dismissal is stored against it
    kind: str  # one of KINDS
    since: datetime  # when it started needing a human
    title: str  # one line
    detail: str  # the carrier's words, the error, the customer's reason
    order_id: int | None
    order_number: str | None
    ref_id: int | None  # the shipment, notification, raw input or return it is about
    tracking_number: str | None  # the parcel, for recording a milestone
    actions: tuple[str, ...]  # what resolves it (see ACTIONS)
    dismissed_note: str | None = None  # set aside with this note (when those are asked for)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times as ISO 8601 strings)."""
        return jsonable(asdict(self))


@dataclass(frozen=True, slots=True)
class ExceptionQueue:
    items: tuple[ExceptionItem, ...]  # oldest first
    dismissed: int  # how many current items were set aside (not in ``items`` unless asked)


def _stamp(moment: datetime | None) -> str:
    return f"{moment:%Y%m%d%H%M%S}" if moment else "-"


async def _parcel_items() -> list[ExceptionItem]:
    items: list[ExceptionItem] = []
    # One query over the parcels of orders that need the owner (the order's attention flag
    # says which; refresh_orders keeps it in step with the parcels).
    for (
        sid,
        order_id,
        number,
        tracking,
        carrier,
        milestone,
        reason,
        text,
        last_event_at,
        watch,
        watch_since,
        created_at,
    ) in (
        await Shipment.filter(order__attention__isnull=False, order__cancelled_at__isnull=True)
        .filter(Q(milestone__in=list(PARCEL_PROBLEMS)) | Q(watch__isnull=False))
        .limit(MAX_SOURCE_ROWS)
        .values_list(
            "id",
            "order_id",
            "order__number",
            "tracking_number",
            "carrier",
            "milestone",
            "reason",
            "status_text",
            "last_event_at",
            "watch",
            "watch_since",
            "created_at",
        )
    ):
        if milestone in PARCEL_PROBLEMS:
            what = PARCEL_PROBLEMS[milestone] + (f": {reason}" if reason else "")
            key = f"shipment:{sid}:{milestone}:{reason or ''}:{_stamp(last_event_at)}"
            kind, since = milestone, last_event_at or created_at
        elif watch in WATCH:
            what = {
                "stalled": "stalled: no carrier scan for too long",
                "late": "late: past the estimated delivery",
            }[watch]
            key = f"shipment:{sid}:{watch}:{_stamp(watch_since)}"
            kind, since = watch, watch_since or created_at
        else:
            continue
        items.append(
            ExceptionItem(
                key=key,
                kind=kind,
                since=since,
                title=f"Order {number}: parcel {tracking} ({carrier}) {what}",
                detail=text,
                order_id=order_id,
                order_number=number,
                ref_id=sid,
                tracking_number=tracking,
                actions=ACTIONS[kind],
            )
        )
    # Orders not shipped in time: flagged, still without a parcel (stage confirmed).
    for order_id, number, delayed_at, placed_at in (
        await Order.filter(
            stage="confirmed",
            attention__isnull=False,
            cancelled_at__isnull=True,
            dispatch_delayed_at__isnull=False,
        )
        .limit(MAX_SOURCE_ROWS)
        .values_list("id", "number", "dispatch_delayed_at", "placed_at")
    ):
        items.append(
            ExceptionItem(
                key=f"dispatch:{order_id}:{_stamp(delayed_at)}",
                kind="dispatch_delayed",
                since=delayed_at,
                title=f"Order {number}: not shipped within the handling time",
                detail=f"placed {placed_at:%Y-%m-%d}",
                order_id=order_id,
                order_number=number,
                ref_id=None,
                tracking_number=None,
                actions=ACTIONS["dispatch_delayed"],
            )
        )
    return items


async def _notification_items() -> list[ExceptionItem]:
    rows = (
        await Notification.filter(status="failed")
        .order_by("due_at")
        .limit(MAX_SOURCE_ROWS)
        .values_list(
            "id", "order_id", "order__number", "kind", "channel", "attempts", "last_error", "due_at"
        )
    )
    return [
        ExceptionItem(
            key=f"notification:{nid}:{attempts}",
            kind="notification_failed",
            since=due_at,
            title=f"Order {number}: the {kind.replace('_', ' ')} message by {channel} failed",
            detail=f"after {attempts} attempt(s): {error}",
            order_id=order_id,
            order_number=number,
            ref_id=nid,
            tracking_number=None,
            actions=ACTIONS["notification_failed"],
        )
        for nid, order_id, number, kind, channel, attempts, error, due_at in rows
    ]


async def _import_items() -> list[ExceptionItem]:
    rows = (
        await RawInput.filter(status="error")
        .order_by("received_at")
        .limit(MAX_SOURCE_ROWS)
        .values_list("id", "source", "ref", "error", "received_at")
    )
    return [
        ExceptionItem(
            key=f"raw:{rid}",
            kind="import_error",
            since=received_at,
            title=f"Unreadable row {ref or rid} ({source})",
            detail=error,
            order_id=None,
            order_number=None,
            ref_id=rid,
            tracking_number=None,
            actions=(),
        )
        for rid, source, ref, error, received_at in rows
    ]


async def _return_items() -> list[ExceptionItem]:
    items = []
    for (
        rid,
        rma,
        order_id,
        number,
        status,
        reason,
        resolution,
        created_at,
        received_at,
        milestone,
        last_event_at,
        tracking,
    ) in (
        await Return.filter(status__in=("requested", "received", "in_transit"))
        .order_by("id")
        .limit(MAX_SOURCE_ROWS)
        .values_list(
            "id",
            "rma",
            "order_id",
            "order__number",
            "status",
            "reason",
            "resolution",
            "created_at",
            "received_at",
            "milestone",
            "last_event_at",
            "tracking_number",
        )
    ):
        wants = resolution.replace("_", " ")
        if status == "requested":
            kind, since = "return_requested", created_at
            title = f"Return {rma} (order {number}) waits for approval: wants {wants}"
        elif status == "received":
            kind, since = "return_received", received_at or created_at
            title = f"Return {rma} (order {number}) is back: {wants} it"
        elif milestone in _RETURN_PARCEL_PROBLEMS:
            kind, since = "return_parcel", last_event_at or created_at
            title = (
                f"Return {rma} (order {number}): parcel {tracking} {milestone.replace('_', ' ')}"
            )
        else:
            continue
        items.append(
            ExceptionItem(
                key=f"return:{rid}:{status}:{milestone or ''}:{_stamp(last_event_at)}",
                kind=kind,
                since=since,
                title=title,
                detail=reason,
                order_id=order_id,
                order_number=number,
                ref_id=rid,
                tracking_number=tracking,
                actions=ACTIONS[kind],
            )
        )
    return items


async def exceptions_queue(*, include_dismissed: bool = False) -> ExceptionQueue:
    """Everything that needs the owner now, oldest first.

    Args:
        include_dismissed: also list the items set aside (with ``dismissed_note`` set).
    """
    items = [
        *await _parcel_items(),
        *await _notification_items(),
        *await _import_items(),
        *await _return_items(),
    ]
    notes = (
        dict(await Dismissal.filter(key__in=[i.key for i in items]).values_list("key", "note"))
        if items
        else {}
    )
    shown = []
    for item in items:
        if item.key not in notes:
            shown.append(item)
        elif include_dismissed:
            shown.append(_with_note(item, notes[item.key]))
    shown.sort(key=lambda i: (i.since, i.key))
    return ExceptionQueue(tuple(shown), len(notes))


def _with_note(item: ExceptionItem, note: str) -> ExceptionItem:
    values = {name: getattr(item, name) for name in ExceptionItem.__slots__}
    values["dismissed_note"] = note
    return ExceptionItem(**values)


async def dismiss(key: str, note: str) -> ExceptionItem:
    """Set an item of the queue aside with a note; it stays away until its cause changes.
    Dismissing twice keeps the first note.

    Raises:
        InvalidInput: no note, or one longer than 1,000 characters.
        NotFound: the queue has no such item (resolved meanwhile, or a made-up key).
    """
    note = clean_text(note, "a note saying why", MAX_NOTE, required=True)
    queue = await exceptions_queue(include_dismissed=True)
    item = next((i for i in queue.items if i.key == key), None)
    if item is None:
        raise NotFound("that item is no longer in the exceptions queue; it was resolved meanwhile")
    async with in_transaction():
        _, created = await Dismissal.get_or_create(
            key=key, defaults={"kind": item.kind, "order_id": item.order_id, "note": note}
        )
        if created:
            if item.order_id is not None:
                await record_changes([item.order_id], "dismissed")
            else:
                await Change.create(order_id=None, kind="dismissed")
    return _with_note(item, note)
