"""Shop platforms: Shopify and WooCommerce order and fulfillment webhooks → :class:`Work`.

An order delivery says what the order is now: shopdesk creates it, or updates the one it has
(:mod:`shopdesk.services.order_sync`; an older version than the one applied is ignored),
cancels it when the shop says it is cancelled (and re-opens it when WooCommerce takes back
its own cancellation), and adds every parcel (tracking number) it carries, matched by the
shop's fulfillment or tracking-item id so a corrected number corrects its parcel; a Shopify
fulfillment's ``shipment_status`` becomes a tracking event.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from shopdesk.errors import InvalidInput
from shopdesk.parsing import to_minor
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.services.shipments import NewEvent
from shopdesk.webhooks.work import (
    Malformed,
    NewParcel,
    Work,
    items,
    load_json,
    moment,
    obj,
    text,
)

SHOPIFY_ORDER_TOPICS = (
    "orders/create",
    "orders/updated",
    "orders/cancelled",
    "orders/paid",
    "orders/fulfilled",
    "orders/partially_fulfilled",
    "orders/edited",
)
SHOPIFY_FULFILLMENT_TOPICS = ("fulfillments/create", "fulfillments/update")
SHOPIFY_SOURCES = ("shopify", "csv:shopify")  # orders from the webhook or the CSV export
WOO_ORDER_TOPICS = ("order.created", "order.updated", "order.restored")
WOO_SOURCES = ("woocommerce",)
WOO_CANCELLED = "cancelled in WooCommerce"  # the cancel reason WooCommerce may take back
WOO_OPEN = ("pending", "processing", "on-hold", "completed")  # statuses of a live order
NOTE_LIMIT = 10_000
# WooCommerce Shipment Tracking provider slugs → carrier names shopdesk knows.
WOO_PROVIDERS = {
    "usps": "USPS",
    "ups": "UPS",
    "fedex": "FedEx",
    "dhl": "DHL",
    "dhl-us": "DHL",
    "dhl-express": "DHL Express",
    "dhl-paket": "DHL Paket",
    "deutsche-post": "Deutsche Post",
    "royal-mail": "Royal Mail",
    "parcelforce": "Parcelforce",
    "evri": "Evri",
    "hermes": "Hermes",
    "dpd": "DPD",
    "dpd-uk": "DPD",
    "gls": "GLS",
    "postnl": "PostNL",
    "canada-post": "Canada Post",
    "australia-post": "Australia Post",
    "la-poste": "La Poste",
    "colissimo": "Colissimo",
    "correos": "Correos",
    "bpost": "bpost",
    "inpost": "InPost",
}


def _money(value: Any, currency: str, what: str) -> int:
    try:
        return to_minor(text(value, 32) or "0", currency)
    except InvalidInput as exc:
        raise Malformed(f"{what}: {exc}") from None


# --- Shopify ----------------------------------------------------------------------------


def shopify(topic: str, body: str) -> Work:
    """A Shopify webhook body (topic from ``X-Shopify-Topic``).

    Raises:
        Malformed: not JSON, or not the shape of an order or fulfillment.
    """
    if topic in SHOPIFY_ORDER_TOPICS:
        return _shopify_order(obj(load_json(body), "the order"), topic)
    if topic in SHOPIFY_FULFILLMENT_TOPICS:
        fulfillment = obj(load_json(body), "the fulfillment")
        return Work(
            parcels=_shopify_parcels([fulfillment], None),
            events=_shopify_events([fulfillment], None),
        )
    if not topic:
        raise Malformed("the X-Shopify-Topic header is missing")
    return Work(ignored=f"topic {topic} carries nothing shopdesk tracks")


def _shopify_order(order: dict[str, Any], topic: str) -> Work:
    number = text(order.get("name"), 64) or text(order.get("order_number"), 64)
    if not number:
        raise Malformed("the order has no name or order_number")
    currency = text(order.get("currency"), 3).upper()
    if not currency:
        raise Malformed(f"order {number} has no currency")
    address = order.get("shipping_address") or order.get("billing_address") or {}
    address = obj(address, "shipping_address")
    customer = order.get("customer") if isinstance(order.get("customer"), dict) else {}
    lines = []
    for line in items(order.get("line_items"), "line_items"):
        title = text(line.get("name")) or text(line.get("title"))
        # What is on the order now: removed or refunded units are gone from current_quantity.
        current = line.get("current_quantity")
        quantity = _quantity(line.get("quantity") if current is None else current, title)
        if quantity == 0:
            continue
        lines.append(
            NewItem(
                title=title,
                quantity=quantity,
                unit_price_minor=_money(line.get("price"), currency, title),
                sku=text(line.get("sku"), 100),
            )
        )
    created = order.get("created_at") or order.get("processed_at")
    cancelled_at = order.get("cancelled_at")
    new = NewOrder(
        number=number,
        placed_at=moment(created, "created_at"),
        currency=currency,
        items=lines,
        email=text(order.get("email"), 254) or text(order.get("contact_email"), 254) or None,
        name=text(address.get("name"), 200)
        or " ".join(
            p for p in (text(customer.get("first_name")), text(customer.get("last_name"))) if p
        ),
        phone=text(order.get("phone"), 32) or text(address.get("phone"), 32),
        country=text(address.get("country_code"), 2),
        postcode=text(address.get("zip"), 16),
        city=text(address.get("city"), 100),
        locale=text(order.get("customer_locale"), 8)[:2].lower() or None,
        source="shopify",
        external_id=text(order.get("id"), 64) or None,
        total_minor=_money(order.get("total_price"), currency, "total_price")
        if order.get("total_price") is not None
        else None,
        cancelled_at=moment(cancelled_at, "cancelled_at") if cancelled_at else None,
    )
    work = Work(orders=[new], notes={number: text(order.get("note"), NOTE_LIMIT)})
    if order.get("updated_at"):
        work.versions[number] = moment(order.get("updated_at"), "updated_at")
    if cancelled_at or topic == "orders/cancelled":
        work.cancels.append((number, text(order.get("cancel_reason"), 200)))
    fulfillments = items(order.get("fulfillments"), "fulfillments")
    work.parcels = _shopify_parcels(fulfillments, number)
    work.events = _shopify_events(fulfillments, number)
    return work


def _quantity(value: Any, title: str) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, str))
        or not str(value).strip().isdigit()
    ):
        raise Malformed(f"quantity {value!r} of {title!r} is not a whole number")
    return int(value)


def _fulfillment_numbers(f: dict[str, Any]) -> list[str]:
    numbers = [text(n, 64) for n in f.get("tracking_numbers") or [] if text(n, 64)]
    single = text(f.get("tracking_number"), 64)
    if single and single not in numbers:
        numbers.insert(0, single)
    return numbers


def _order_of(f: dict[str, Any], number: str | None) -> tuple[str | None, Any]:
    """(order number, shop's order id) for a fulfillment; its name is "#1001.2"."""
    if number is None:
        name = text(f.get("name"), 80)
        number = name.rsplit(".", 1)[0] if "." in name else None
    return number, text(f.get("order_id"), 64)


def _shopify_parcels(fulfillments: list[dict[str, Any]], number: str | None) -> list[NewParcel]:
    parcels = []
    for f in fulfillments:
        if text(f.get("status")) == "cancelled":
            continue
        order_number, order_id = _order_of(f, number)
        if not order_number and not order_id:
            raise Malformed("the fulfillment names no order (order_id)")
        shipped = f.get("created_at")
        fulfillment_id = text(f.get("id"), 48)
        updated = f.get("updated_at")
        for i, tracking in enumerate(_fulfillment_numbers(f)):
            parcels.append(
                NewParcel(
                    order_number=order_number,
                    tracking_number=tracking,
                    carrier=text(f.get("tracking_company"), 64) or None,
                    service=text(f.get("service"), 100) if f.get("service") != "manual" else "",
                    shipped_at=moment(shipped, "fulfillment created_at") if shipped else None,
                    external_order=(SHOPIFY_SOURCES, order_id) if order_id else None,
                    # One fulfillment may carry several numbers: the first is the id itself.
                    external_id=(f"{fulfillment_id}#{i}" if i else fulfillment_id) or None,
                    updated_at=moment(updated, "fulfillment updated_at") if updated else None,
                )
            )
    return parcels


def _shopify_events(fulfillments: list[dict[str, Any]], number: str | None) -> list[NewEvent]:
    """A fulfillment's ``shipment_status`` (or its cancellation) as a tracking event."""
    events = []
    for f in fulfillments:
        status = text(f.get("shipment_status"), 64)
        if text(f.get("status")) == "cancelled":
            status = "cancelled"
        when = f.get("updated_at") or f.get("created_at")
        if not status or not when:
            continue
        order_number, _ = _order_of(f, number)
        for tracking in _fulfillment_numbers(f):
            events.append(
                NewEvent(
                    tracking_number=tracking,
                    occurred_at=moment(when, "fulfillment updated_at"),
                    code=status,
                    carrier="shopify",
                    source="shopify",
                    order_number=order_number,
                    description=status.replace("_", " "),
                )
            )
    return events


# --- WooCommerce ------------------------------------------------------------------------


def woocommerce(topic: str, body: str) -> Work:
    """A WooCommerce webhook body (topic from ``X-WC-Webhook-Topic``).

    Raises:
        Malformed: not JSON, or not the shape of a WooCommerce order.
    """
    if topic and topic not in WOO_ORDER_TOPICS:
        return Work(ignored=f"topic {topic} carries nothing shopdesk tracks")
    order = obj(load_json(body), "the order")
    number = text(order.get("number"), 64) or text(order.get("id"), 64)
    if not number:
        raise Malformed("the order has no number")
    currency = text(order.get("currency"), 3).upper()
    if not currency:
        raise Malformed(f"order {number} has no currency")
    billing = order.get("billing") if isinstance(order.get("billing"), dict) else {}
    shipping = order.get("shipping") if isinstance(order.get("shipping"), dict) else {}
    where = shipping if text(shipping.get("country")) else billing
    lines = []
    for line in items(order.get("line_items"), "line_items"):
        title = html.unescape(text(line.get("name")))
        quantity = _quantity(line.get("quantity"), title)
        price = line.get("price")
        if price is None:  # older stores: the line total
            total = _money(line.get("subtotal"), currency, title)
            unit = total // quantity if quantity else 0
        else:
            unit = _money(price, currency, title)
        lines.append(
            NewItem(
                title=title,
                quantity=quantity,
                unit_price_minor=unit,
                sku=text(line.get("sku"), 100),
            )
        )
    created = order.get("date_created_gmt") or order.get("date_created")
    name = " ".join(p for p in (text(where.get("first_name")), text(where.get("last_name"))) if p)
    status = text(order.get("status"), 32)
    new = NewOrder(
        number=number,
        placed_at=moment(created, "date_created_gmt"),
        currency=currency,
        items=lines,
        email=text(billing.get("email"), 254) or None,
        name=name[:200],
        phone=text(billing.get("phone"), 32) or text(shipping.get("phone"), 32),
        country=text(where.get("country"), 2),
        postcode=text(where.get("postcode"), 16),
        city=text(where.get("city"), 100),
        source="woocommerce",
        external_id=text(order.get("id"), 64) or None,
        total_minor=_money(order.get("total"), currency, "total")
        if order.get("total") is not None
        else None,
    )
    work = Work(orders=[new], notes={number: text(order.get("customer_note"), NOTE_LIMIT)})
    modified = order.get("date_modified_gmt") or order.get("date_modified")
    version = moment(modified, "date_modified_gmt") if modified else None
    if version:
        work.versions[number] = version
    if status == "cancelled":
        work.cancels.append((number, WOO_CANCELLED))
    elif status in WOO_OPEN:
        work.reopens.append(number)
    for meta in items(order.get("meta_data"), "meta_data"):
        if meta.get("key") == "_wc_shipment_tracking_items":
            work.parcels += _woo_parcels(meta.get("value"), number, version)
    return work


def _woo_parcels(value: Any, number: str, version: datetime | None) -> list[NewParcel]:
    parcels = []
    for entry in items(value, "_wc_shipment_tracking_items"):
        tracking = text(entry.get("tracking_number"), 64)
        if not tracking:
            continue
        slug = text(entry.get("tracking_provider"), 64)
        carrier = text(entry.get("custom_tracking_provider"), 64) or WOO_PROVIDERS.get(
            slug.casefold(), slug.replace("-", " ").title()
        )
        shipped = entry.get("date_shipped")
        parcels.append(
            NewParcel(
                order_number=number,
                tracking_number=tracking,
                carrier=carrier or None,
                shipped_at=moment(shipped, "date_shipped") if shipped else None,
                external_id=text(entry.get("tracking_id"), 64) or None,
                updated_at=version,
            )
        )
    return parcels
