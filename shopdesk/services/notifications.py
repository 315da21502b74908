"""The outbox as the owner reads it: messages by status, newest first, with their attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shopdesk.errors import InvalidInput, NotFound
from shopdesk.models import Notification, NotificationAttempt

STATUSES = ("queued", "sending", "sent", "skipped", "failed")
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class NotificationRow:
    """One message of the outbox."""

    id: int
    order_id: int
    order_number: str
    kind: str  # the milestone or return step it tells about
    channel: str
    status: str  # one of STATUSES
    attempts: int
    due_at: datetime
    sent_at: datetime | None
    last_error: str  # why it failed or was skipped; "" otherwise
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AttemptView:
    at: datetime
    ok: bool
    error: str


async def list_notifications(
    status: str | None = None, limit: int = 100, after: int | None = None
) -> tuple[NotificationRow, ...]:
    """Outbox messages newest first, all or one status; ``after``: ids below this one.

    Raises:
        InvalidInput: unknown status or a bad limit.
    """
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be 1-{MAX_PAGE}")
    query = Notification.all()
    if status:
        if status not in STATUSES:
            raise InvalidInput(f"unknown status {status!r}; one of: {', '.join(STATUSES)}")
        query = query.filter(status=status)
    if after is not None:
        query = query.filter(id__lt=after)
    return await _rows(query.order_by("-id").limit(limit))


async def notifications_by_id(ids: list[int]) -> tuple[NotificationRow, ...]:
    """These messages (those that exist), newest first: to refresh rows in place."""
    return await _rows(Notification.filter(id__in=ids).order_by("-id")) if ids else ()


async def notifications_for_orders(order_ids: list[int]) -> tuple[NotificationRow, ...]:
    """Every message of these orders, newest first (to follow the change feed)."""
    if not order_ids:
        return ()
    return await _rows(Notification.filter(order_id__in=order_ids).order_by("-id").limit(MAX_PAGE))


async def attempts(notification_id: int) -> tuple[AttemptView, ...]:
    """A message's attempts, oldest first.

    Raises:
        NotFound: no such message.
    """
    if not await Notification.exists(id=notification_id):
        raise NotFound(f"no message {notification_id} in the outbox")
    rows = (
        await NotificationAttempt.filter(notification_id=notification_id)
        .order_by("at", "id")
        .values_list("at", "ok", "error")
    )
    return tuple(AttemptView(at, ok, error) for at, ok, error in rows)


async def _rows(query) -> tuple[NotificationRow, ...]:
    rows = await query.values_list(
        "id",
        "order_id",
        "order__number",
        "kind",
        "channel",
        "status",
        "attempts",
        "due_at",
        "sent_at",
        "last_error",
        "created_at",
    )
    return tuple(NotificationRow(*row) for row in rows)
