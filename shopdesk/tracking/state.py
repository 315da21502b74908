"""The milestone engine's rules: a shipment's state from its events, an order's stage from its
shipments. Pure functions, no I/O.

State only moves forward, except where reality moves it: an exception, a failed attempt or a
return to sender may follow anything but a finished parcel; delivered is final except for a
return to sender; a late "in transit" never turns "out for delivery" or "delivered" back.
Events are folded in the order they happened, not the order they arrived.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

# How far along the normal journey each milestone is.
_PROGRESS = {
    "label_created": 0,
    "in_transit": 1,
    "out_for_delivery": 2,
    "available_for_pickup": 2,
    "delivered": 3,
}
# Milestones reality may move a parcel to from any unfinished state.
_SETBACKS = frozenset(
    {"exception", "attempt_failed", "returning_to_sender", "returned_to_sender", "cancelled"}
)
_RETURNS = frozenset({"returning_to_sender", "returned_to_sender"})


@dataclass(frozen=True, slots=True)
class Scan:
    """The part of a tracking event the engine needs."""

    occurred_at: datetime
    milestone: str
    reason: str | None = None
    seq: int = 0  # arrival order, breaks ties between events with the same time


def can_follow(current: str | None, new: str) -> bool:
    """Whether a shipment in milestone ``current`` may move to ``new``."""
    if current is None or current == new:
        return True
    if current == "returned_to_sender":
        return False
    if current == "returning_to_sender":
        return new == "returned_to_sender"
    if current == "delivered":
        return new in _RETURNS
    if new in _SETBACKS or new == "delivered":
        return True
    if current in ("exception", "attempt_failed", "cancelled"):
        # The parcel is moving again after a problem: any movement counts, a bare label doesn't.
        return new != "label_created"
    return _PROGRESS[new] >= _PROGRESS[current]


def current_scan(scans: Iterable[Scan]) -> Scan | None:
    """The scan that sets the shipment's state: fold the scans in the order they happened."""
    state: Scan | None = None
    for scan in sorted(scans, key=lambda s: (s.occurred_at, s.seq)):
        if can_follow(state.milestone if state else None, scan.milestone):
            state = scan
    return state


def order_stage(shipments: Sequence[tuple[str, bool]], *, cancelled: bool = False) -> str:
    """What the customer sees for an order whose shipments are at these milestones.

    Args:
        shipments: (milestone, handed over to the carrier) per shipment. A parcel with only a
            label counts as shipped once the shop says it handed it over.
        cancelled: the order is cancelled.

    Cancelled shipments are ignored; an order without live shipments is confirmed.
    """
    if cancelled:
        return "cancelled"
    live = [(m, handed) for m, handed in shipments if m != "cancelled"]
    if not live:
        return "confirmed"
    delivered = sum(m == "delivered" for m, _ in live)
    if delivered == len(live):
        return "delivered"
    if delivered:
        return "partly_delivered"
    if any(m == "out_for_delivery" for m, _ in live):
        return "out_for_delivery"
    waiting = sum(m == "label_created" and not handed for m, handed in live)
    if waiting == len(live):
        return "preparing"
    return "partly_shipped" if waiting else "shipped"


_ATTENTION = {
    "exception": "carrier exception",
    "attempt_failed": "delivery attempt failed",
    "returning_to_sender": "returning to sender",
    "returned_to_sender": "returned to sender",
}


_WATCH = {
    "stalled": "stalled: no carrier scan for too long",
    "late": "late: past the estimated delivery",
}


def attention_reason(
    shipments: Iterable[tuple[str, str | None, str | None]], *, dispatch_delayed: bool = False
) -> str | None:
    """Why an order needs the owner, or None.

    Args:
        shipments: (milestone, reason, watch) per parcel; watch is "stalled", "late" or None.
        dispatch_delayed: the order was not shipped within the promised handling time.
    """
    parcels = list(shipments)
    for milestone, reason, _ in parcels:
        if milestone in _ATTENTION:
            text = _ATTENTION[milestone]
            return f"{text}: {reason}" if reason and milestone == "exception" else text
    for _, _, watch in parcels:
        if watch in _WATCH:
            return _WATCH[watch]
    return "not shipped within the handling time" if dispatch_delayed else None
