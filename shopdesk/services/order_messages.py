"""One order's customer messages: what was sent, a preview of any message, and a resend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from shopdesk.config import Settings
from shopdesk.errors import Conflict, InvalidInput, NotFound
from shopdesk.models import Notification, Order, Shipment
from shopdesk.notify.channels import channel_kind
from shopdesk.notify.compose import message_for
from shopdesk.notify.message import CHANNEL_KINDS, KINDS
from shopdesk.notify.render import render
from shopdesk.services.common import get_order, record_changes, utcnow


@dataclass(frozen=True, slots=True)
class MessageRow:
    """One outbox row of an order."""

    id: int
    kind: str
    channel: str
    status: str  # queued, sending, sent, failed, skipped
    attempts: int
    due_at: datetime
    sent_at: datetime | None
    last_error: str


@dataclass(frozen=True, slots=True)
class Preview:
    title: str
    text: str
    channel_kind: str  # email, sms or chat


async def messages_for_order(number: str) -> tuple[MessageRow, ...]:
    """The order's notifications, newest first.

    Raises:
        NotFound: no such order.
    """
    order = await get_order(number)
    rows = (
        await Notification.filter(order_id=order.id)
        .order_by("-id")
        .values_list(
            "id", "kind", "channel", "status", "attempts", "due_at", "sent_at", "last_error"
        )
    )
    return tuple(MessageRow(*row) for row in rows)


async def preview_message(
    settings: Settings, number: str, kind: str, channel: str = "email"
) -> Preview:
    """The message the order's customer would get about ``kind`` on ``channel``, not sent.

    Raises:
        NotFound: no such order.
        InvalidInput: an unknown milestone.
    """
    if kind not in KINDS[:-1]:
        raise InvalidInput(f"unknown message {kind!r}; one of: {', '.join(KINDS[:-1])}")
    found = await get_order(number)
    order = await Order.get(id=found.id).select_related("customer").prefetch_related("items")
    shipment = await Shipment.filter(order_id=order.id).order_by("-id").first()
    kind_of_channel = (
        channel
        if channel in CHANNEL_KINDS
        else channel_kind(channel, settings.channels.get(channel, ""))
    )
    message = await message_for(settings, order, shipment, kind)
    override = settings.data_dir / "templates"
    rendered = render(
        message, kind_of_channel, override_dir=override if override.is_dir() else None
    )
    return Preview(rendered.title, rendered.text, kind_of_channel)


async def resend(notification_id: int) -> int:
    """Queue a copy of a notification to go out again now; returns the new row's id.

    Raises:
        NotFound: no such notification.
        Conflict: the message is still waiting to go out (nothing to resend yet).
    """
    async with in_transaction():
        original = await Notification.get_or_none(id=notification_id)
        if original is None:
            raise NotFound(f"no notification {notification_id}")
        if original.status in ("queued", "sending"):
            raise Conflict("this message has not gone out yet; the worker sends it shortly")
        copies = await Notification.filter(key__startswith=f"{original.key[:100]}:again").count()
        copy = await Notification.create(
            order_id=original.order_id,  # type: ignore[attr-defined]
            shipment_id=original.shipment_id,
            kind=original.kind,
            channel=original.channel,
            key=f"{original.key[:100]}:again{copies + 1}",
            due_at=utcnow(),
            parcels=original.parcels,
            reason=original.reason,
        )
        await record_changes([original.order_id], "notification")  # type: ignore[attr-defined]
    return copy.id
