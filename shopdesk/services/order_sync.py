"""Keeping shop orders in step with the shop: what a Shopify or WooCommerce delivery says an
order is now is applied to the order shopdesk has.

Deliveries arrive out of order and more than once, so each order and each fulfillment keeps
the shop's own last-modified time of the version applied (``source_updated_at``); an older
version changes nothing, the same version again changes nothing new. Only orders that came
from that shop are updated: an order typed in by the owner is never overwritten by a shop
order that happens to have the same number.

Applied from an order: the customer's email, name and phone; the shipping country, postcode
and city; the items (a line gone from the shop is gone here, unless a return names it); the
total; the shop's order note (as a note by the shop). Parcels are matched by the shop's
fulfillment (or tracking item) id, so a corrected tracking number or carrier corrects that
parcel instead of adding another. The shop's payment status has no place in shopdesk.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from shopdesk.errors import AlreadyExists, Conflict
from shopdesk.models import Customer, Note, Order, OrderItem, ReturnItem, Shipment, TrackingEvent
from shopdesk.services.common import (
    normalise_number,
    record_changes,
    refresh_orders,
    search_text,
    utcnow,
)
from shopdesk.services.orders import (
    NewItem,
    NewOrder,
    cancel_order,
    check_order,
    create_orders,
    reopen_order,
)
from shopdesk.services.shipments import add_shipment
from shopdesk.tracking.carriers import clean_tracking_number
from shopdesk.webhooks.shops import SHOPIFY_SOURCES, WOO_CANCELLED, WOO_SOURCES
from shopdesk.webhooks.work import NewParcel, Work

# The sources an order may have come from, by the source of the delivery updating it.
SAME_SHOP = {"shopify": SHOPIFY_SOURCES, "woocommerce": WOO_SOURCES}


async def apply_orders(work: Work) -> None:
    """Create the delivery's new orders, update the known ones, then cancel or re-open them.

    A stale delivery (older than the version applied) neither cancels nor re-opens.

    Raises:
        InvalidInput: an order is malformed; nothing is written.
        Conflict: the shop changed what cannot change (the currency).
    """
    if not (work.orders or work.cancels or work.reopens):
        return
    versions = {normalise_number(n): v for n, v in work.versions.items()}
    notes = {normalise_number(n): v for n, v in work.notes.items()}
    stale: set[str] = set()
    async with in_transaction():
        created, _ = await create_orders(work.orders)
        for new in work.orders:
            number = normalise_number(new.number)
            if number in created:
                await _stamp(number, versions.get(number), notes.get(number, ""), new.source)
            elif not await update_order(new, versions.get(number), notes.get(number, "")):
                stale.add(number)
        for number, reason in work.cancels:
            if normalise_number(number) not in stale:
                with contextlib.suppress(Conflict):  # delivered already: nothing to cancel
                    await cancel_order(number, reason)
        for number in work.reopens:
            if normalise_number(number) not in stale:
                order = await Order.get_or_none(number=normalise_number(number))
                if order and order.cancelled_at and order.cancel_reason == WOO_CANCELLED:
                    await reopen_order(number)  # only what WooCommerce itself had cancelled


async def update_order(new: NewOrder, version: datetime | None, note: str = "") -> bool:
    """Apply a shop's current version of an order shopdesk has; False if it is older than the
    version applied (nothing changes). Orders from elsewhere are left alone (True).

    Raises:
        InvalidInput: the order is malformed.
        Conflict: the currency changed.
    """
    checked = check_order(new)
    async with in_transaction():
        order = await Order.get_or_none(number=checked.number).select_for_update()
        if order is None or order.source not in SAME_SHOP.get(checked.source, ()):
            return True  # not a shop order, or not from this shop: the owner's to change
        if version and order.source_updated_at and version < order.source_updated_at:
            return False
        if checked.currency != order.currency:
            raise Conflict(
                f"order {order.number} is in {order.currency}; the shop now says "
                f"{checked.currency}: change it by hand if that is right"
            )
        if checked.email:
            customer = await _customer(checked)
            order.customer_id = customer.id  # type: ignore[attr-defined]
        order.ship_country = checked.country or order.ship_country
        order.ship_postcode = checked.postcode
        order.ship_city = checked.city
        if checked.total_minor is not None:
            order.total_minor = checked.total_minor
        elif checked.items:
            order.total_minor = sum(i.quantity * i.unit_price_minor for i in checked.items)
        if checked.items:  # a shop order without lines is a shape we do not trust
            await _replace_items(order, checked.items)
        tracking = await Shipment.filter(order_id=order.id).values_list(
            "tracking_number", flat=True
        )
        order.search_text = search_text(checked.number, checked.name, checked.email, *tracking)
        order.source_updated_at = version or order.source_updated_at
        await order.save()
        await _note(order, note, checked.source)
        await record_changes([order.id], "updated")
    return True


async def add_parcel(number: str, parcel: NewParcel) -> None:
    """Add a shop's parcel to an order, or correct the one with the same fulfillment id.

    Raises:
        InvalidInput: a malformed tracking number.
        Conflict: the corrected number is already another parcel of the order.
    """
    found = None
    if parcel.external_id:
        found = await Shipment.get_or_none(
            order__number=number, external_id=parcel.external_id
        ).prefetch_related("order")
    if found is None:
        # Known already (by tracking number), or for a cancelled order: the services decide.
        with contextlib.suppress(AlreadyExists, Conflict):
            await add_shipment(
                number,
                parcel.tracking_number,
                carrier=parcel.carrier,
                service=parcel.service,
                shipped_at=parcel.shipped_at,
            )
        if parcel.external_id:  # remember the shop's id, unless the parcel has one already
            await Shipment.filter(
                order__number=number,
                tracking_number=clean_tracking_number(parcel.tracking_number),
                external_id__isnull=True,
            ).update(external_id=parcel.external_id, source_updated_at=parcel.updated_at)
        return
    version, applied = parcel.updated_at, found.source_updated_at
    if version and applied and version < applied:
        return  # an older version of the fulfillment
    await _correct(found, parcel)


async def _correct(shipment: Shipment, parcel: NewParcel) -> None:
    """The shop changed a fulfillment's tracking number or carrier: correct the parcel. Scans
    of the wrong number are not this parcel's: they go, and it starts again from its label."""
    tracking = clean_tracking_number(parcel.tracking_number)
    carrier = (parcel.carrier or "").strip()[:64]
    async with in_transaction():
        order: Order = shipment.order
        if tracking != shipment.tracking_number:
            if await Shipment.exists(order_id=order.id, tracking_number=tracking):
                raise Conflict(
                    f"order {order.number} already has parcel {tracking}; the shop moved "
                    f"fulfillment {parcel.external_id} onto it"
                )
            await TrackingEvent.filter(shipment_id=shipment.id).delete()
            shipment.tracking_number = tracking
            shipment.milestone, shipment.reason, shipment.status_text = "label_created", None, ""
            shipment.last_event_at = shipment.delivered_at = None
            shipment.watch = shipment.watch_since = None
            shipment.next_poll_at = utcnow()
            order.search_text = f"{order.search_text} {tracking.casefold()}"
            await order.save(update_fields=["search_text"])
        if carrier:
            shipment.carrier = carrier
        shipment.source_updated_at = parcel.updated_at or shipment.source_updated_at
        await shipment.save()
        await refresh_orders([order.id], "shipment")


async def _stamp(number: str, version: datetime | None, note: str, source: str) -> None:
    """A new order from a shop: remember the version it came as, and the shop's note."""
    order = await Order.get(number=number)
    if version:
        order.source_updated_at = version
        await order.save(update_fields=["source_updated_at"])
    await _note(order, note, source)


async def _note(order: Order, body: str, source: str) -> None:
    """The shop's order note, once per distinct text (a changed note is a new note)."""
    body = body.strip()
    if not body:
        return
    latest = (
        await Note.filter(order_id=order.id, author=source)
        .order_by("-id")
        .limit(1)
        .values_list("body", flat=True)
    )
    if latest != [body]:
        await Note.create(order_id=order.id, body=body, author=source[:64])


def _keyed(lines: Sequence[OrderItem] | Sequence[NewItem]) -> dict[tuple[str, str, int], Any]:
    """Lines by (SKU, title, how many such lines came before): the same article may be on
    an order twice (with different options the shop does not show us)."""
    seen: dict[tuple[str, str], int] = {}
    keyed = {}
    for line in lines:
        base = (line.sku, line.title)
        seen[base] = seen.get(base, -1) + 1
        keyed[(*base, seen[base])] = line
    return keyed


async def _customer(checked: NewOrder) -> Customer:
    customer, _ = await Customer.get_or_create(email=checked.email)
    name, phone = checked.name or customer.name, checked.phone or customer.phone
    if (name, phone) != (customer.name, customer.phone):
        customer.name, customer.phone = name, phone
        await customer.save(update_fields=["name", "phone"])
    return customer


async def _replace_items(order: Order, items: Sequence[NewItem]) -> None:
    """Make the order's lines the shop's: matched by SKU and title, updated in place (returns
    point at them); lines gone from the shop go, unless a return names them."""
    current = _keyed(await OrderItem.filter(order_id=order.id).order_by("id"))
    wanted = _keyed(items)
    for key, new in wanted.items():
        old = current.pop(key, None)
        if old is None:
            await OrderItem.create(
                order_id=order.id,
                sku=new.sku,
                title=new.title,
                quantity=new.quantity,
                unit_price_minor=new.unit_price_minor,
            )
        elif (old.quantity, old.unit_price_minor) != (new.quantity, new.unit_price_minor):
            old.quantity, old.unit_price_minor = new.quantity, new.unit_price_minor
            await old.save(update_fields=["quantity", "unit_price_minor"])
    gone = [i.id for i in current.values()]
    if gone:
        returned = set(
            await ReturnItem.filter(order_item_id__in=gone).values_list("order_item_id", flat=True)
        )
        await OrderItem.filter(id__in=[i for i in gone if i not in returned]).delete()
