"""Building a :class:`Message` from an order, its parcel and the settings."""

from __future__ import annotations

from shopdesk.config import Settings
from shopdesk.models import Order, Shipment
from shopdesk.notify.channels import Recipient, e164
from shopdesk.notify.message import RETURN_KINDS, Message, ReturnFacts, Shop
from shopdesk.notify.optout import unsubscribe_token, unsubscribe_url
from shopdesk.services.common import utcnow
from shopdesk.tracking.estimate import estimate_window


def shop_of(settings: Settings) -> Shop:
    return Shop(
        name=settings.shop_name,
        public_url=settings.public_url,
        support_email=settings.support_email,
        support_phone=settings.support_phone,
        logo=settings.logo,
        primary_color=settings.primary_color,
    )


def recipient_of(order: Order) -> Recipient:
    """The order's customer as channel templates see them (``order.customer`` fetched)."""
    customer = order.customer
    return Recipient(
        email=customer.email if customer else None,
        phone=e164(customer.phone, order.ship_country) if customer else "",
        name=customer.name if customer else "",
        order=order.number,
    )


async def message_for(
    settings: Settings,
    order: Order,
    shipment: Shipment | None,
    kind: str,
    *,
    reason: str | None = None,
    parcels: int = 1,
    locale: str | None = None,
) -> Message:
    """The message about ``kind`` for this order (``order.customer`` and ``order.items``
    fetched: the worker loads them for a whole batch at once)."""
    estimate = None
    if shipment is not None and shipment.milestone != "delivered":
        window = estimate_window(
            settings,
            shipped_at=shipment.shipped_at,
            carrier=shipment.carrier,
            service=shipment.service,
            country=order.ship_country,
            carrier_estimate=(shipment.carrier_estimate_from, shipment.carrier_estimate_to),
        )
        estimate = window[0] if window else None
        if kind == "delayed" and (estimate is None or estimate[1] < utcnow().date()):
            # The old window has passed: an honest new one, counted from today.
            window = estimate_window(
                settings,
                shipped_at=utcnow(),
                carrier=shipment.carrier,
                service=shipment.service,
                country=order.ship_country,
            )
            estimate = window[0] if window else None
    items = [(i.title, i.quantity) for i in sorted(order.items, key=lambda i: i.id)]
    customer = order.customer
    facts = None
    if kind in RETURN_KINDS:
        facts, returned = await _return_facts(settings, reason)
        items = list(returned) or items
    return Message(
        kind=kind,
        locale=locale or order.locale or settings.locale,
        shop=shop_of(settings),
        order_number=order.number,
        first_name=recipient_of(order).first_name,
        tracking_url=settings.tracking_url(order.token),
        unsubscribe_url=unsubscribe_url(settings, await unsubscribe_token(customer.id))
        if customer
        else "",
        carrier=shipment.carrier if shipment else "",
        tracking_number=shipment.tracking_number if shipment else "",
        estimate=estimate,
        reason=reason,
        status_text=shipment.status_text if shipment else "",
        parcels=parcels,
        items=tuple(items),
        ret=facts,
    )


async def _return_facts(
    settings: Settings, reason: str | None
) -> tuple[ReturnFacts | None, tuple[tuple[str, int], ...]]:
    """The return a message is about (its outbox ``reason`` is ``return:<id>``) and its items."""
    from shopdesk.services.returns import return_by_id

    ret_id = (reason or "").removeprefix("return:")
    view = await return_by_id(settings, int(ret_id)) if ret_id.isdigit() else None
    if view is None:
        return None, ()
    return ReturnFacts(
        rma=view.rma,
        url=view.url,
        rejection_reason=view.rejection_reason,
        send_by=view.send_by,
        carrier=view.carrier or "",
        tracking_number=view.tracking_number or "",
        amount_minor=view.refund_minor,
        currency=view.currency,
        refund_method=view.refund_method,
        refund_expected=view.refund_expected,
        note=view.resolution_note,
    ), view.items
