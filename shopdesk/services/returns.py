"""Return services ("where is my return?"): start, decide, track the parcel back, receive,
resolve (refund, exchange, store credit), close, expire — and the views customer pages and the
owner read.

A return lives through: requested → approved | rejected → in_transit (on its way back) →
received → refunded | exchanged | credited → closed; an approved return that nothing was sent
for within ``returns.send_within_days`` expires (:func:`expire_returns`, called by the
worker) and can be approved again. Reality may skip steps: a parcel that arrives before anyone
approved it can still be received, and a refund may be given before the parcel arrives.

The return parcel is tracked on the return itself (carrier, tracking number, latest
milestone), never as a :class:`~shopdesk.models.Shipment`, so it cannot move the order's own
stage; :func:`record_return_event` records its scans.

Each write is one transaction that also appends to the change feed (kind ``return``) and plans
the customer's message through the outbox (one per return and step: the episode is the
return's id, and ``reason`` is ``return:<id>`` so a message can find its return). Services
return :class:`ReturnView` and friends, plain frozen dataclasses.
"""

from __future__ import annotations

import fnmatch
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from shopdesk.config import Settings
from shopdesk.db import current_settings
from shopdesk.errors import Conflict, InvalidInput, NotFound
from shopdesk.models import Alert, Order, OrderItem, Return, ReturnItem, Shipment
from shopdesk.notify.outbox import Plan, plan, raise_alert
from shopdesk.parsing import format_money
from shopdesk.services.common import (
    ensure_aware,
    get_order,
    record_changes,
    utcnow,
)
from shopdesk.tracking.carriers import clean_tracking_number, guess_carrier
from shopdesk.tracking.estimate import add_business_days
from shopdesk.tracking.normalize import MILESTONES
from shopdesk.views import jsonable

STATUSES = (
    "requested",
    "approved",
    "rejected",
    "in_transit",
    "received",
    "refunded",
    "exchanged",
    "credited",
    "closed",
    "expired",
)
RESOLUTIONS = ("refund", "exchange", "store_credit")
# Business days from the refund to the money on the customer's statement, by method.
REFUND_DAYS: dict[str, tuple[int, int]] = {
    "card": (5, 10),
    "paypal": (1, 3),
    "bank_transfer": (3, 5),
    "store_credit": (0, 0),
}
# Returns whose items no longer count as returned: those items may be returned again.
_VOID = ("rejected", "expired")
# Waiting for the owner (requested, received) or for the customer and carrier.
OPEN = ("requested", "approved", "in_transit", "received")
_RESOLVED = ("refunded", "exchanged", "credited")
# Where the customer's parcel is while it is on its way back: scans that need a human.
_PARCEL_PROBLEMS = frozenset({"exception", "returning_to_sender", "returned_to_sender"})
MAX_REASON = 500
MAX_NOTE = 500
MAX_PAGE = 500
MAX_QUANTITY = 100_000
CHANGE_KIND = "return"


# --- views --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReturnView:
    """One return with everything its customer's page and the owner may see (no address, no
    surname: safe to show on the page reached by ``token``)."""

    id: int
    rma: str  # "R-1001-1": what customer and owner quote
    token: str
    url: str  # the customer's page, /r/{token}
    status: str  # one of STATUSES
    order_number: str
    items: tuple[tuple[str, int], ...]  # (title, quantity)
    reason: str  # the customer's words, as they typed them: escape when showing
    resolution: str  # what the customer wants: refund, exchange or store_credit
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    rejection_reason: str
    send_by: date | None  # approved, nothing sent yet: the day it expires after
    carrier: str | None
    tracking_number: str | None
    milestone: str | None  # the return parcel's latest scan
    sent_at: datetime | None
    received_at: datetime | None
    value_minor: int  # what the returned items cost: the most a refund may be
    refund_minor: int | None  # refund or store credit given
    currency: str
    refund_method: str  # card, paypal, bank_transfer, store_credit; "" before a refund
    refund_issued_at: datetime | None
    refund_expected: tuple[date, date] | None  # when it should show on the statement
    resolution_note: str
    closed_at: datetime | None
    timeline: tuple[tuple[datetime, str], ...]  # (when, status), oldest first

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times as ISO 8601 strings)."""
        return jsonable(asdict(self))


@dataclass(frozen=True, slots=True)
class ReturnRow:
    """One line of the owner's return list."""

    id: int
    rma: str
    order_number: str
    customer_name: str
    status: str
    resolution: str
    quantity: int  # items in the return
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ReturnPage:
    rows: tuple[ReturnRow, ...]
    next_cursor: str | None  # pass back as ``after`` for the next page


@dataclass(frozen=True, slots=True)
class ReturnableItem:
    order_item_id: int
    sku: str
    title: str
    ordered: int
    returnable: int  # ordered minus what open or finished returns hold
    unit_price_minor: int
    excluded: bool  # the shop does not take this SKU back


@dataclass(frozen=True, slots=True)
class ReturnOptions:
    """What the customer of one order may return, and until when."""

    order_number: str
    currency: str
    allowed: bool  # a return can be started now
    why_not: str  # "" when allowed: otherwise why not, in English
    closes_on: date | None  # the last day of the return window (shop's time zone)
    items: tuple[ReturnableItem, ...]
    # "" when allowed, else why not as a code for pages that word it themselves: cancelled,
    # not_delivered, window_closed (see closes_on) or nothing_left
    why_not_code: str = ""


# --- helpers ------------------------------------------------------------------------------


def return_url(settings: Settings, token: str) -> str:
    """The customer's private page for a return token."""
    return f"{settings.public_url.rstrip('/')}/r/{token}"


def clean_text(text: str, field: str, limit: int, *, required: bool = False, code: str = "") -> str:
    """Customer or owner text as stored: trimmed, control characters (NUL included) removed
    except line breaks and tabs, line breaks as ``\\n``. HTML stays as typed: it is text,
    escaped wherever it is shown.

    Raises:
        InvalidInput: empty when required (code ``<code>_missing``), or longer than ``limit``
            characters (``<code>_too_long``).
    """
    if not isinstance(text, str):
        raise InvalidInput(f"{field} must be text", code=f"{code}_missing" if code else "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in "\n\t" or not (ord(c) < 32 or 127 <= ord(c) < 160))
    text = text.strip()
    if required and not text:
        raise InvalidInput(f"please give {field}", code=f"{code}_missing" if code else "")
    if len(text) > limit:
        raise InvalidInput(
            f"{field} is {len(text)} characters long; at most {limit}, please",
            code=f"{code}_too_long" if code else "",
            limit=limit,
        )
    return text


def is_returnable_sku(settings: Settings, sku: str) -> bool:
    """False for a SKU ``returns.non_returnable_skus`` names (case-insensitive, ``*`` globs)."""
    sku = sku.strip().casefold()
    return not (
        sku
        and any(
            fnmatch.fnmatchcase(sku, pattern.casefold()) for pattern in settings.non_returnable_skus
        )
    )


def refund_expected(settings: Settings, issued_at: datetime, method: str) -> tuple[date, date]:
    """When a refund issued at ``issued_at`` should appear on the customer's statement."""
    fastest, slowest = REFUND_DAYS.get(method, REFUND_DAYS["card"])
    country = settings.holidays_country or settings.country
    issued = issued_at.astimezone(settings.zone).date()
    return add_business_days(issued, fastest, country), add_business_days(issued, slowest, country)


def _now(now: datetime | None) -> datetime:
    return ensure_aware(now, "now") if now is not None else utcnow()


async def _find(rma_or_id: str | int) -> Return:
    """The return with this RMA ("R-1001-1", any case) or id.

    Raises:
        NotFound: no such return.
    """
    if isinstance(rma_or_id, int) and not isinstance(rma_or_id, bool):
        found = await Return.get_or_none(id=rma_or_id)
    else:
        key = str(rma_or_id).strip().removeprefix("#").strip()
        if key.isdigit() and len(key) < 10:
            found = await Return.get_or_none(id=int(key))
        elif not key or len(key) > 80:
            found = None
        else:
            if key[:2].casefold() == "r-":
                key = "R-" + key[2:]
            found = await Return.get_or_none(rma=key)
    if found is None:
        raise NotFound(
            f"no return {str(rma_or_id).strip()!r}; give its RMA (such as R-1001-1) or id"
        )
    return found


async def _move(ret: Return, status: str, now: datetime, **fields: Any) -> None:
    """Set the return's status and ``fields`` if nobody changed its status meanwhile.

    Raises:
        Conflict: another process moved it first.
    """
    moved = await Return.filter(id=ret.id, status=ret.status).update(
        status=status, updated_at=now, **fields
    )
    if not moved:
        raise Conflict(f"return {ret.rma} was changed meanwhile; look at it again")
    ret.status = status
    for name, value in fields.items():
        setattr(ret, name, value)


def _refuse(ret: Return, doing: str, allowed: Sequence[str]) -> Conflict:
    words = [s.replace("_", " ") for s in allowed]
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
    return Conflict(
        f"return {ret.rma} is {ret.status.replace('_', ' ')}; only {listed} returns can be {doing}"
    )


async def _changed(
    settings: Settings,
    ret: Return,
    kind: str | None,
    happened_at: datetime | None = None,
    episode: str = "",
) -> None:
    """The change feed row and, for ``kind``, the customer's message; inside the transaction.
    ``episode`` tells a repeated step apart (a second approval after the first expired)."""
    order_id = ret.order_id  # type: ignore[attr-defined]
    await record_changes([order_id], CHANGE_KIND)
    if kind:
        await plan(
            settings,
            [
                Plan(
                    order_id,
                    kind,
                    reason=f"return:{ret.id}",
                    happened_at=happened_at,
                    episode=episode or str(ret.id),
                )
            ],
        )


def _period(ret_id: int, moment: datetime | None) -> str:
    """The episode of one approval period of a return: its id and when the period began."""
    return f"{ret_id}:{round(moment.timestamp() * 1_000_000)}" if moment else str(ret_id)


async def _settle_alerts(ret: Return, now: datetime) -> None:
    """The owner acted on this return: its open exceptions-queue entries are done."""
    await Alert.filter(key__startswith=f"return:{ret.id}:", resolved_at__isnull=True).update(
        resolved_at=now
    )


async def _alert(ret: Return, step: str, message: str) -> None:
    number = await Order.filter(id=ret.order_id).values_list("number", flat=True)  # type: ignore[attr-defined]
    await raise_alert(
        ret.order_id,
        f"return_{step}"[:32],  # type: ignore[attr-defined]
        f"Order {number[0] if number else '?'}, return {ret.rma}: {message}",
        key=f"return:{ret.id}:{step}",
    )


async def _value(ret_id: int) -> int:
    """What the return's items cost: quantity times unit price."""
    rows = await ReturnItem.filter(return_request_id=ret_id).values_list(
        "quantity", "order_item__unit_price_minor"
    )
    return sum(quantity * price for quantity, price in rows)


# --- customer: what may be returned, start a return ---------------------------------------


async def _order_by_token(order_token: str, *, lock: bool = False) -> Order:
    if not isinstance(order_token, str) or not 20 <= len(order_token) <= 64:
        raise NotFound("no such order")
    query = Order.filter(token=order_token)
    if lock:
        query = query.select_for_update()
    order = await query.first()
    if order is None:
        raise NotFound("no such order")
    return order


async def _window(settings: Settings, order: Order, now: datetime) -> tuple[str, str, date | None]:
    delivered = (
        await Shipment.filter(order_id=order.id, delivered_at__isnull=False)
        .order_by("-delivered_at")
        .limit(1)
        .values_list("delivered_at", flat=True)
    )
    return return_window(
        settings,
        order.number,
        cancelled=order.cancelled_at is not None,
        delivered_at=delivered[0] if delivered else None,
        now=now,
    )


def return_window(
    settings: Settings,
    number: str,
    *,
    cancelled: bool,
    delivered_at: datetime | None,
    now: datetime,
) -> tuple[str, str, date | None]:
    """("" or the code of why a return cannot start, "" or why in English, the last day of
    the window), for an order last delivered at ``delivered_at``."""
    if cancelled:
        return "cancelled", f"order {number} was cancelled, so there is nothing to return", None
    if delivered_at is None:
        return (
            "not_delivered",
            (
                f"order {number} has not been delivered yet; a return can be "
                "started once it has arrived"
            ),
            None,
        )
    zone = settings.zone
    closes_on = delivered_at.astimezone(zone).date() + timedelta(days=settings.return_window_days)
    if now.astimezone(zone).date() > closes_on:
        return (
            "window_closed",
            (
                f"the {settings.return_window_days}-day return window for "
                f"order {number} closed on {closes_on:%Y-%m-%d}; please "
                "contact the shop"
            ),
            closes_on,
        )
    return "", "", closes_on


async def taken_items(order_id: int) -> dict[int, list[tuple[str, int]]]:
    """Order item id → [(rma, quantity)] in this order's returns that count (all but rejected
    and expired ones)."""
    rows = (
        await ReturnItem.filter(return_request__order_id=order_id)
        .exclude(return_request__status__in=_VOID)
        .values_list("order_item_id", "return_request__rma", "quantity")
    )
    taken: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for item_id, rma, quantity in rows:
        taken[item_id].append((rma, quantity))
    return taken


async def return_options(
    settings: Settings, order_token: str, *, now: datetime | None = None
) -> ReturnOptions:
    """What the customer behind this order token may return (for the "start a return" form).

    Raises:
        NotFound: no order has this token.
    """
    order = await _order_by_token(order_token)
    window = await _window(settings, order, _now(now))
    items = (
        await OrderItem.filter(order_id=order.id)
        .order_by("id")
        .values_list("id", "sku", "title", "quantity", "unit_price_minor")
    )
    return build_options(
        settings, order.number, order.currency, window, items, await taken_items(order.id)
    )


def build_options(
    settings: Settings,
    number: str,
    currency: str,
    window: tuple[str, str, date | None],
    items: Iterable[tuple[int, str, str, int, int]],
    taken: Mapping[int, list[tuple[str, int]]],
) -> ReturnOptions:
    """What may be returned, from :func:`return_window`, the order's items ``(id, sku, title,
    quantity, unit price)`` and what its returns already took (:func:`taken_items`)."""
    code, why_not, closes_on = window
    lines = tuple(
        ReturnableItem(
            order_item_id=item_id,
            sku=sku,
            title=title,
            ordered=quantity,
            returnable=max(0, quantity - sum(q for _, q in taken.get(item_id, ()))),
            unit_price_minor=price,
            excluded=not is_returnable_sku(settings, sku),
        )
        for item_id, sku, title, quantity, price in items
    )
    if not why_not and not any(i.returnable and not i.excluded for i in lines):
        code, why_not = "nothing_left", f"nothing in order {number} can be returned any more"
    return ReturnOptions(number, currency, not why_not, why_not, closes_on, lines, code)


def _check_items(items: Mapping[int, int]) -> dict[int, int]:
    if not isinstance(items, Mapping):
        raise InvalidInput("items must map order item ids to quantities", code="no_items")
    wanted: dict[int, int] = {}
    for key, quantity in items.items():
        try:
            item_id = int(key)
        except (TypeError, ValueError):
            raise InvalidInput(f"item {key!r} is not an item id", code="unknown_item") from None
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise InvalidInput(
                f"the quantity for item {item_id} must be a whole number", code="bad_quantity"
            )
        if quantity < 0 or quantity > MAX_QUANTITY:
            raise InvalidInput(
                f"the quantity for item {item_id} must be 1 or more", code="bad_quantity"
            )
        if quantity:
            wanted[item_id] = wanted.get(item_id, 0) + quantity
    if not wanted:
        raise InvalidInput("choose at least one item to return", code="no_items")
    return wanted


async def start_return(
    settings: Settings,
    order_token: str,
    items: Mapping[int, int],
    reason: str,
    resolution: str,
    *,
    now: datetime | None = None,
) -> ReturnView:
    """Start a return for some items of a delivered order (the customer's "return items").

    Sending the same request again while the first is still requested or approved returns
    that first return: a double click never makes two.

    Args:
        settings: the shop's settings ([returns] decides window, approval and exclusions).
        order_token: the order's private token (from its tracking page).
        items: order item id → quantity to return; zero quantities are ignored.
        reason: why, in the customer's words (1-500 characters, stored as typed).
        resolution: what the customer wants: refund, exchange or store_credit.
        now: the current time (tests).

    Raises:
        NotFound: no order has this token.
        InvalidInput: no items, unknown items, too many of one, an item the shop does not
            take back, a missing or too long reason, an unknown resolution.
        Conflict: the order is not delivered, was cancelled, its return window has closed, or
            the items are in another return already.
    """
    now = _now(now)
    if resolution not in RESOLUTIONS:
        raise InvalidInput(
            f"resolution {resolution!r} is not one of: {', '.join(RESOLUTIONS)}", code="resolution"
        )
    reason = clean_text(reason, "a reason for the return", MAX_REASON, required=True, code="reason")
    wanted = _check_items(items)
    for attempt in range(3):
        try:
            async with in_transaction():
                order = await _order_by_token(order_token, lock=True)
                ret = await _start(settings, order, wanted, reason, resolution, now)
            break
        except IntegrityError:  # another request for this order took the same RMA first
            if attempt == 2:
                raise Conflict(
                    "the return could not be saved because another request for "
                    "this order arrived at the same moment; please try again",
                    code="busy",
                ) from None
    return await _view_of(settings, ret.id)


async def _start(
    settings: Settings,
    order: Order,
    wanted: dict[int, int],
    reason: str,
    resolution: str,
    now: datetime,
) -> Return:
    code, why_not, closes_on = await _window(settings, order, now)
    if why_not:
        raise Conflict(why_not, code=code, date=closes_on)
    ordered = {item.id: item for item in await OrderItem.filter(order_id=order.id)}
    for item_id in wanted:
        if item_id not in ordered:
            raise InvalidInput(
                f"item {item_id} is not part of order {order.number}", code="unknown_item"
            )
        if not is_returnable_sku(settings, ordered[item_id].sku):
            raise InvalidInput(
                f"{ordered[item_id].title!r} cannot be returned "
                f"(the shop does not take back {ordered[item_id].sku})",
                code="not_returnable",
                title=ordered[item_id].title,
            )
    duplicate = await _same_open_request(order.id, wanted, resolution)
    if duplicate is not None:
        return duplicate
    taken = await taken_items(order.id)
    for item_id, quantity in wanted.items():
        item = ordered[item_id]
        if quantity > item.quantity:
            raise InvalidInput(
                f"order {order.number} has {item.quantity} × {item.title!r}; "
                f"{quantity} cannot be returned",
                code="too_many",
                title=item.title,
                count=item.quantity,
            )
        held = sum(q for _, q in taken.get(item_id, ()))
        if quantity > item.quantity - held:
            where = ", ".join(f"{q} in {rma}" for rma, q in taken[item_id])
            left = item.quantity - held
            raise Conflict(
                f"{item.title!r} is already being returned ({where}); "
                + (f"{left} more can be returned" if left else "there are none left to return"),
                code="already_returned",
                title=item.title,
                left=left,
            )
    count = await Return.filter(order_id=order.id).count()
    auto = settings.return_approval == "auto"
    ret = await Return.create(
        order_id=order.id,
        rma=f"R-{order.number}-{count + 1}",
        token=secrets.token_urlsafe(32),
        status="approved" if auto else "requested",
        reason=reason,
        resolution=resolution,
        decided_at=now if auto else None,
        created_at=now,
    )
    await ReturnItem.bulk_create(
        [
            ReturnItem(return_request_id=ret.id, order_item_id=item_id, quantity=quantity)
            for item_id, quantity in sorted(wanted.items())
        ]
    )
    if not auto:
        total = sum(wanted.values())
        await _alert(
            ret,
            "requested",
            f"{total} item{'s' if total != 1 else ''} to return, "
            f"the customer wants {resolution.replace('_', ' ')}; approve or reject it",
        )
    await _changed(settings, ret, "return_approved" if auto else "return_requested")
    return ret


async def _same_open_request(
    order_id: int, wanted: dict[int, int], resolution: str
) -> Return | None:
    """An open return of this order for exactly these items and resolution, if any."""
    candidates = await Return.filter(
        order_id=order_id, status__in=("requested", "approved"), resolution=resolution
    )
    if not candidates:
        return None
    rows = await ReturnItem.filter(return_request_id__in=[r.id for r in candidates]).values_list(
        "return_request_id", "order_item_id", "quantity"
    )
    held: dict[int, dict[int, int]] = defaultdict(dict)
    for ret_id, item_id, quantity in rows:
        held[ret_id][item_id] = quantity
    return next((r for r in candidates if held[r.id] == wanted), None)


# --- the owner decides --------------------------------------------------------------------


async def approve(rma_or_id: str | int) -> ReturnView:
    """Approve a requested return (or one that expired: the customer gets a new period to
    send it). Approving twice is harmless.

    Raises:
        NotFound: no such return.
        Conflict: the return is past approval (rejected, on its way, received, …).
    """
    settings = current_settings()
    now = utcnow()
    async with in_transaction():
        ret = await _find(rma_or_id)
        if ret.status != "approved":
            if ret.status not in ("requested", "expired"):
                raise _refuse(ret, "approved", ("requested", "expired"))
            again = _period(ret.id, ret.expired_at) if ret.status == "expired" else ""
            await _move(ret, "approved", now, decided_at=now, expired_at=None)
            await _settle_alerts(ret, now)
            await _changed(settings, ret, "return_approved", episode=again)
    return await _view_of(settings, ret.id)


async def reject(rma_or_id: str | int, reason: str) -> ReturnView:
    """Reject a return that is requested, or approved but not yet sent; ``reason`` (1-500
    characters) is shown to the customer. Rejecting twice is harmless.

    Raises:
        NotFound: no such return.
        InvalidInput: no reason, or a reason longer than 500 characters.
        Conflict: the items are on their way back or further.
    """
    settings = current_settings()
    reason = clean_text(reason, "a reason the customer will see", MAX_REASON, required=True)
    now = utcnow()
    async with in_transaction():
        ret = await _find(rma_or_id)
        if ret.status != "rejected":
            if ret.status not in ("requested", "approved"):
                raise _refuse(ret, "rejected", ("requested", "approved"))
            await _move(ret, "rejected", now, decided_at=now, rejection_reason=reason)
            await _settle_alerts(ret, now)
            await _changed(settings, ret, "return_rejected")
    return await _view_of(settings, ret.id)


# --- the parcel back ----------------------------------------------------------------------


async def add_return_tracking(
    rma_or_id: str | int, carrier: str | None, tracking_number: str
) -> ReturnView:
    """Record the parcel the customer sends back: the return is on its way (in_transit).

    Giving a different number for a return on its way replaces the number (a typo); the same
    number again changes nothing. Several returns may share one parcel.

    Raises:
        NotFound: no such return.
        InvalidInput: a malformed tracking number, or no carrier and none can be guessed.
        Conflict: the return is not approved yet, or expired, or already received.
    """
    settings = current_settings()
    tracking = clean_tracking_number(tracking_number)
    carrier = (carrier or "").strip() or guess_carrier(tracking)
    if not carrier:
        raise InvalidInput(f"cannot tell the carrier from {tracking}; please name the carrier")
    carrier = clean_text(carrier, "the carrier", 64, required=True)
    now = utcnow()
    async with in_transaction():
        ret = await _find(rma_or_id)
        if ret.status == "requested":
            raise Conflict(
                f"return {ret.rma} has not been approved yet; please wait for the "
                "shop's approval before sending the items"
            )
        if ret.status == "expired":
            raise Conflict(
                f"return {ret.rma} expired because nothing was sent in time; please "
                "contact the shop"
            )
        if ret.status not in ("approved", "in_transit"):
            raise _refuse(ret, "given a tracking number", ("approved", "in_transit"))
        if (ret.tracking_number, ret.carrier) != (tracking, carrier):
            same = ret.tracking_number == tracking
            first = ret.status == "approved"  # not a corrected number: tell the customer
            await _move(
                ret,
                "in_transit",
                now,
                carrier=carrier,
                tracking_number=tracking,
                sent_at=ret.sent_at or now,
                milestone=ret.milestone if same else None,
                last_event_at=ret.last_event_at if same else None,
            )
            await _changed(settings, ret, "return_in_transit" if first else None)
    return await _view_of(settings, ret.id)


async def record_return_event(tracking_number: str, milestone: str, occurred_at: datetime) -> int:
    """Record a carrier scan of a return parcel; returns how many returns it changed.

    Every return with this tracking number takes the newest scan as its parcel's milestone;
    "delivered" makes a return on its way ``received`` (and tells the customer); a problem
    (exception, returning to sender) puts an entry in the owner's exceptions queue. Scans
    never move a return back, and the same scan twice changes nothing.

    Raises:
        InvalidInput: malformed tracking number, unknown milestone, time without a zone.
        NotFound: no return has this tracking number.
    """
    settings = current_settings()
    tracking = clean_tracking_number(tracking_number)
    if milestone not in MILESTONES:
        raise InvalidInput(f"unknown milestone {milestone!r}; one of: {', '.join(MILESTONES)}")
    occurred_at = ensure_aware(occurred_at, "occurred_at")
    now = utcnow()
    moved = 0
    async with in_transaction():
        returns = await Return.filter(tracking_number=tracking).order_by("id")
        if not returns:
            raise NotFound(f"no return has tracking number {tracking}")
        for ret in returns:
            newest = (
                ret.last_event_at is None
                or occurred_at > ret.last_event_at
                or (occurred_at == ret.last_event_at and milestone != ret.milestone)
            )
            arrived = milestone == "delivered" and ret.status == "in_transit"
            if not newest and not arrived:
                continue
            fields: dict[str, Any] = {}
            if newest:
                fields.update(milestone=milestone, last_event_at=occurred_at)
            if arrived:
                await _move(ret, "received", now, received_at=occurred_at, **fields)
                await _alert(
                    ret,
                    "received",
                    "the parcel has arrived back; check the items "
                    "and refund, exchange or credit it",
                )
                await _changed(settings, ret, "return_received", occurred_at)
            else:
                await _move(ret, ret.status, now, **fields)
                if newest and milestone in _PARCEL_PROBLEMS and ret.status == "in_transit":
                    await _alert(
                        ret,
                        "parcel",
                        f"the return parcel {tracking} "
                        f"({ret.carrier}) reports {milestone.replace('_', ' ')}",
                    )
                await _changed(settings, ret, None)
            moved += 1
    return moved


async def mark_received(rma_or_id: str | int) -> ReturnView:
    """The items are back with the shop (a parcel without tracking, or handed in). Works for a
    return on its way, an approved one, and one nobody approved or that expired: the items
    are here either way. Receiving twice is harmless.

    Raises:
        NotFound: no such return.
        Conflict: the return was rejected, or is resolved already.
    """
    settings = current_settings()
    now = utcnow()
    allowed = ("requested", "approved", "in_transit", "expired")
    async with in_transaction():
        ret = await _find(rma_or_id)
        if ret.status != "received":
            if ret.status not in allowed:
                raise _refuse(ret, "received", allowed)
            await _move(
                ret,
                "received",
                now,
                received_at=now,
                decided_at=ret.decided_at or now,
                expired_at=None,
            )
            await _settle_alerts(ret, now)
            await _changed(settings, ret, "return_received")
    return await _view_of(settings, ret.id)


# --- resolve and close --------------------------------------------------------------------

_RESOLVABLE = ("approved", "in_transit", "received")


async def refund(rma_or_id: str | int, amount_minor: int, method: str) -> ReturnView:
    """Record the refund given for a return (approved, on its way or received).

    Args:
        amount_minor: the amount in the order's currency, minor units: at least 1 and at most
            what the returned items cost.
        method: card, paypal, bank_transfer or store_credit (the latter is the same as
            :func:`credit`). Decides ``refund_expected`` on the customer's page.

    Raises:
        NotFound: no such return.
        InvalidInput: unknown method, an amount of nothing or more than the items cost.
        Conflict: the return is not approved, or resolved already.
    """
    if method not in REFUND_DAYS:
        raise InvalidInput(f"refund method {method!r} is not one of: {', '.join(REFUND_DAYS)}")
    return await _resolve(
        rma_or_id,
        "credited" if method == "store_credit" else "refunded",
        amount_minor=amount_minor,
        method=method,
    )


async def credit(rma_or_id: str | int, amount_minor: int, note: str = "") -> ReturnView:
    """Record store credit given for a return (approved, on its way or received).

    Raises:
        NotFound: no such return.
        InvalidInput: an amount of nothing or more than the items cost; a note over 500
            characters.
        Conflict: the return is not approved, or resolved already.
    """
    return await _resolve(
        rma_or_id, "credited", amount_minor=amount_minor, method="store_credit", note=note
    )


async def exchange(rma_or_id: str | int, note: str = "") -> ReturnView:
    """Record that the replacement was sent; ``note`` (up to 500 characters, e.g. "size M,
    tracking 00340434…") is shown to the customer.

    Raises:
        NotFound: no such return.
        InvalidInput: a note over 500 characters.
        Conflict: the return is not approved, or resolved already.
    """
    return await _resolve(rma_or_id, "exchanged", note=note)


_RESOLVED_KIND = {
    "refunded": "refund_issued",
    "credited": "store_credit_issued",
    "exchanged": "exchange_sent",
}


async def _resolve(
    rma_or_id: str | int,
    status: str,
    *,
    amount_minor: int | None = None,
    method: str = "",
    note: str = "",
) -> ReturnView:
    settings = current_settings()
    note = clean_text(note, "the note", MAX_NOTE)
    if amount_minor is not None and (
        not isinstance(amount_minor, int) or isinstance(amount_minor, bool)
    ):
        raise InvalidInput("the amount must be a whole number of minor units (cents)")
    now = utcnow()
    async with in_transaction():
        ret = await _find(rma_or_id)
        if ret.status in _RESOLVED or ret.status == "closed":
            raise Conflict(
                f"return {ret.rma} is {ret.status} already"
                + (
                    f" ({format_money(ret.refund_minor, await _currency(ret))} by "
                    f"{ret.refund_method.replace('_', ' ')})"
                    if ret.refund_minor is not None
                    else ""
                )
            )
        if ret.status not in _RESOLVABLE:
            raise _refuse(ret, status, _RESOLVABLE)
        fields: dict[str, Any] = {"resolved_at": now}
        if note:
            fields["resolution_note"] = note
        if amount_minor is not None:
            value = await _value(ret.id)
            currency = await _currency(ret)
            if amount_minor < 1:
                raise InvalidInput("the amount must be more than nothing")
            if amount_minor > value:
                raise InvalidInput(
                    f"{format_money(amount_minor, currency)} is more than the returned items "
                    f"cost ({format_money(value, currency)}); refund at most that"
                )
            fields.update(refund_minor=amount_minor, refund_method=method, refund_issued_at=now)
        await _move(ret, status, now, **fields)
        await _settle_alerts(ret, now)
        await _changed(settings, ret, _RESOLVED_KIND[status])
    return await _view_of(settings, ret.id)


async def _currency(ret: Return) -> str:
    rows = await Order.filter(id=ret.order_id).values_list("currency", flat=True)  # type: ignore[attr-defined]
    return rows[0] if rows else ""


async def close(rma_or_id: str | int) -> ReturnView:
    """Close a resolved return (refunded, exchanged or credited). Closing twice is harmless.

    Raises:
        NotFound: no such return.
        Conflict: the return is not resolved yet.
    """
    settings = current_settings()
    now = utcnow()
    async with in_transaction():
        ret = await _find(rma_or_id)
        if ret.status != "closed":
            if ret.status not in _RESOLVED:
                raise _refuse(ret, "closed", ("refunded", "exchanged", "credited"))
            await _move(ret, "closed", now, closed_at=now)
            await _settle_alerts(ret, now)
            await _changed(settings, ret, "return_closed")
    return await _view_of(settings, ret.id)


async def expire_returns(settings: Settings, now: datetime | None = None) -> int:
    """Expire approved returns nothing was sent for within ``returns.send_within_days``;
    returns how many. For the worker's regular pass.
    """
    now = _now(now)
    cutoff = now - timedelta(days=settings.return_send_days)
    async with in_transaction():
        stale = await Return.filter(
            status="approved", sent_at__isnull=True, decided_at__lt=cutoff
        ).values_list("id", "order_id", "decided_at")
        if not stale:
            return 0
        expired = await Return.filter(
            id__in=[ret_id for ret_id, _, _ in stale], status="approved", sent_at__isnull=True
        ).update(status="expired", expired_at=now, updated_at=now)
        if expired:
            periods = {ret_id: _period(ret_id, decided_at) for ret_id, _, decided_at in stale}
            gone = await Return.filter(
                id__in=list(periods), status="expired", expired_at=now
            ).values_list("id", "order_id")
            await record_changes(sorted({order_id for _, order_id in gone}), CHANGE_KIND)
            await plan(
                settings,
                [
                    Plan(
                        order_id,
                        "return_expired",
                        reason=f"return:{ret_id}",
                        episode=periods[ret_id],
                    )
                    for ret_id, order_id in gone
                ],
                now=now,
            )
    return expired


# --- reading ------------------------------------------------------------------------------


async def return_view(token: str) -> ReturnView:
    """The return behind a customer's private link (/r/{token}).

    Raises:
        NotFound: no return has this token (a wrong, short or made-up token).
    """
    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        raise NotFound("no such return")
    views = await _views(current_settings(), Return.filter(token=token))
    if not views:
        raise NotFound("no such return")
    return views[0]


async def return_by_id(settings: Settings, ret_id: int) -> ReturnView | None:
    """The return with this id, or None (for the worker composing a return message)."""
    views = await _views(settings, Return.filter(id=ret_id))
    return views[0] if views else None


async def get_return(rma_or_id: str | int) -> ReturnView:
    """One return, by RMA or id (for the owner).

    Raises:
        NotFound: no such return.
    """
    return await _view_of(current_settings(), (await _find(rma_or_id)).id)


async def returns_for_order(number: str) -> tuple[ReturnView, ...]:
    """An order's returns, oldest first.

    Raises:
        NotFound: no such order.
    """
    order = await get_order(number)
    return tuple(await _views(current_settings(), Return.filter(order_id=order.id).order_by("id")))


async def list_returns(
    status: str | None = None, limit: int = 50, after: str | None = None
) -> ReturnPage:
    """A page of returns, newest first, over all of them, one status, or ``"open"`` (those
    waiting for the owner, customer or carrier: requested, approved, in transit, received).

    Raises:
        InvalidInput: unknown status, bad cursor or limit.
    """
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be 1-{MAX_PAGE}")
    query = Return.all()
    if status == "open":
        query = query.filter(status__in=OPEN)
    elif status:
        if status not in STATUSES:
            raise InvalidInput(
                f"unknown return status {status!r}; one of: open, {', '.join(STATUSES)}"
            )
        query = query.filter(status=status)
    if after:
        if not after.isdigit() or len(after) > 12:
            raise InvalidInput("the page cursor is not one this shop gave out")
        query = query.filter(id__lt=int(after))
    page = await _rows(query.order_by("-id").limit(limit + 1))
    more = len(page) > limit
    page = page[:limit]
    return ReturnPage(tuple(page), str(page[-1].id) if more else None)


async def return_rows_for_orders(order_ids: Sequence[int]) -> tuple[ReturnRow, ...]:
    """The return list's rows for every return of these orders, newest first (a UI that
    follows the change feed refreshes just these)."""
    if not order_ids:
        return ()
    return tuple(
        await _rows(Return.filter(order_id__in=list(order_ids)).order_by("-id").limit(MAX_PAGE))
    )


async def _rows(query: Any) -> list[ReturnRow]:
    rows = await query.values_list(
        "id",
        "rma",
        "order__number",
        "order__customer__name",
        "status",
        "resolution",
        "created_at",
        "updated_at",
    )
    quantities: dict[int, int] = defaultdict(int)
    for ret_id, quantity in await ReturnItem.filter(
        return_request_id__in=[r[0] for r in rows]
    ).values_list("return_request_id", "quantity"):
        quantities[ret_id] += quantity
    return [
        ReturnRow(r[0], r[1], r[2], r[3] or "", r[4], r[5], quantities[r[0]], r[6], r[7])
        for r in rows
    ]


async def count_returns() -> dict[str, int]:
    """How many returns are at each status (every status present, zeros included)."""
    from tortoise.functions import Count

    rows = await Return.annotate(n=Count("id")).group_by("status").values_list("status", "n")
    counts = dict.fromkeys(STATUSES, 0)
    counts.update(dict(rows))
    return counts


async def _view_of(settings: Settings, ret_id: int) -> ReturnView:
    views = await _views(settings, Return.filter(id=ret_id))
    if not views:
        raise NotFound(f"no return {ret_id}")
    return views[0]


async def _views(settings: Settings, query: Any) -> list[ReturnView]:
    returns = await query.select_related("order").prefetch_related("items__order_item")
    return [_view(settings, ret) for ret in returns]


def _view(settings: Settings, ret: Return) -> ReturnView:
    lines = sorted(ret.items, key=lambda i: i.id)
    send_by = None
    if ret.status == "approved" and ret.sent_at is None and ret.decided_at is not None:
        send_by = ret.decided_at.astimezone(settings.zone).date() + timedelta(
            days=settings.return_send_days
        )
    expected = None
    if ret.refund_issued_at is not None and ret.refund_method:
        expected = refund_expected(settings, ret.refund_issued_at, ret.refund_method)
    return ReturnView(
        id=ret.id,
        rma=ret.rma,
        token=ret.token,
        url=return_url(settings, ret.token),
        status=ret.status,
        order_number=ret.order.number,
        items=tuple((line.order_item.title, line.quantity) for line in lines),
        reason=ret.reason,
        resolution=ret.resolution,
        created_at=ret.created_at,
        updated_at=ret.updated_at,
        decided_at=ret.decided_at,
        rejection_reason=ret.rejection_reason,
        send_by=send_by,
        carrier=ret.carrier,
        tracking_number=ret.tracking_number,
        milestone=ret.milestone,
        sent_at=ret.sent_at,
        received_at=ret.received_at,
        value_minor=sum(line.quantity * line.order_item.unit_price_minor for line in lines),
        refund_minor=ret.refund_minor,
        currency=ret.order.currency,
        refund_method=ret.refund_method,
        refund_issued_at=ret.refund_issued_at,
        refund_expected=expected,
        resolution_note=ret.resolution_note,
        closed_at=ret.closed_at,
        timeline=_timeline(ret),
    )


def _timeline(ret: Return) -> tuple[tuple[datetime, str], ...]:
    """The steps the return went through, from its timestamps, in the order of its life (a
    carrier's scan time may be earlier than the clock of the shop that recorded the request)."""
    steps: list[tuple[datetime | None, str]] = [
        (ret.created_at, "requested"),
        (ret.decided_at, "rejected" if ret.status == "rejected" else "approved"),
        (ret.expired_at, "expired"),
        (ret.sent_at, "in_transit"),
        (ret.received_at, "received"),
    ]
    if ret.resolved_at is not None:
        if ret.refund_minor is None:
            outcome = "exchanged"
        else:
            outcome = "credited" if ret.refund_method == "store_credit" else "refunded"
        steps.append((ret.resolved_at, outcome))
    steps.append((ret.closed_at, "closed"))
    return tuple((at, status) for at, status in steps if at is not None)
