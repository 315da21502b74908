"""Order services: create (one or a batch), cancel, add a note. Each write is one transaction
that also appends to the change feed."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from tortoise.transactions import in_transaction

from shopdesk.db import current_settings
from shopdesk.errors import AlreadyExists, Conflict, InvalidInput
from shopdesk.models import Customer, Note, Order, OrderItem, Shipment
from shopdesk.notify.outbox import Plan, plan
from shopdesk.services.common import (
    ensure_aware,
    get_order,
    normalise_number,
    record_changes,
    refresh_orders,
    search_text,
    utcnow,
)

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_QUANTITY = 100_000
MAX_PRICE_MINOR = 10**12
FINISHED = ("delivered", "returned_to_sender", "cancelled")  # parcels nobody polls any more


@dataclass(frozen=True, slots=True)
class NewItem:
    title: str
    quantity: int
    unit_price_minor: int
    sku: str = ""


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An order as it arrives from any source, before it is checked."""

    number: str
    placed_at: datetime
    currency: str
    items: Sequence[NewItem] = ()
    email: str | None = None
    name: str = ""
    phone: str = ""
    country: str = ""
    postcode: str = ""
    city: str = ""
    locale: str | None = None
    timezone: str | None = None
    source: str = "manual"
    external_id: str | None = None
    total_minor: int | None = None  # defaults to the sum of the items
    cancelled_at: datetime | None = None


def new_token() -> str:
    """A random, unguessable public token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def check_order(new: NewOrder) -> NewOrder:
    """Validate and normalise an incoming order.

    Raises:
        InvalidInput: the first problem found, in words an owner can act on.
    """
    number = normalise_number(new.number)
    placed_at = ensure_aware(new.placed_at, "placed_at")
    if placed_at > utcnow().replace(year=utcnow().year + 1):
        raise InvalidInput(f"placed_at {placed_at:%Y-%m-%d} is more than a year in the future")
    currency = new.currency.strip().upper()
    if not _CURRENCY.match(currency):
        raise InvalidInput(f"currency {new.currency!r} is not a three-letter code such as EUR")
    email = (new.email or "").strip() or None
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise InvalidInput(f"email {email!r} is not valid: {exc}") from None
    country = new.country.strip().upper()
    if country and not _COUNTRY.match(country):
        raise InvalidInput(f"country {new.country!r} is not a two-letter code such as DE")
    for label, value, limit in (
        ("name", new.name, 200),
        ("postcode", new.postcode, 16),
        ("city", new.city, 100),
        ("phone", new.phone, 32),
    ):
        if len(value.strip()) > limit:
            raise InvalidInput(f"{label} is longer than {limit} characters")
    for item in new.items:
        if not item.title.strip():
            raise InvalidInput("an item has no title")
        if len(item.title) > 500 or len(item.sku) > 100:
            raise InvalidInput("an item's title (500) or SKU (100) is too long")
        if not 0 < item.quantity <= MAX_QUANTITY:
            raise InvalidInput(
                f"quantity {item.quantity} of {item.title!r} must be 1 to {MAX_QUANTITY}"
            )
        if not 0 <= item.unit_price_minor <= MAX_PRICE_MINOR:
            raise InvalidInput(f"price of {item.title!r} must not be negative or absurd")
    return replace(
        new,
        number=number,
        placed_at=placed_at,
        currency=currency,
        email=email,
        name=new.name.strip(),
        phone=new.phone.strip(),
        country=country,
        postcode=new.postcode.strip(),
        city=new.city.strip(),
        cancelled_at=ensure_aware(new.cancelled_at, "cancelled_at") if new.cancelled_at else None,
    )


async def create_order(new: NewOrder) -> str:
    """Create one order; returns its number.

    Raises:
        InvalidInput: the order is malformed.
        AlreadyExists: an order with this number exists.
    """
    created, existing = await create_orders([new])
    if existing:
        raise AlreadyExists(f"order {existing[0]} already exists")
    return created[0]


async def create_orders(batch: Sequence[NewOrder]) -> tuple[list[str], list[str]]:
    """Create many orders in one transaction, skipping those that exist already.

    Returns:
        (numbers created, numbers skipped because they exist).

    Raises:
        InvalidInput: one of the orders is malformed; nothing is written.
    """
    checked = [check_order(new) for new in batch]
    numbers = [o.number for o in checked]
    if len(set(numbers)) != len(numbers):
        raise InvalidInput("the same order number appears twice in one batch")
    async with in_transaction():
        existing = set(await Order.filter(number__in=numbers).values_list("number", flat=True))
        fresh = [o for o in checked if o.number not in existing]
        customers = await _customers(fresh)
        orders = [
            Order(
                number=o.number,
                token=new_token(),
                source=o.source,
                external_id=o.external_id,
                customer=customers.get(o.email or ""),
                placed_at=o.placed_at,
                currency=o.currency,
                total_minor=o.total_minor
                if o.total_minor is not None
                else sum(i.quantity * i.unit_price_minor for i in o.items),
                ship_country=o.country,
                ship_postcode=o.postcode,
                ship_city=o.city,
                locale=o.locale,
                timezone=o.timezone,
                search_text=search_text(o.number, o.name, o.email),
                cancelled_at=o.cancelled_at,
                stage="cancelled" if o.cancelled_at else "confirmed",
            )
            for o in fresh
        ]
        await Order.bulk_create(orders)
        ids = dict(
            await Order.filter(number__in=[o.number for o in fresh]).values_list("number", "id")
        )
        await OrderItem.bulk_create(
            [
                OrderItem(
                    order_id=ids[o.number],
                    sku=i.sku,
                    title=i.title,
                    quantity=i.quantity,
                    unit_price_minor=i.unit_price_minor,
                )
                for o in fresh
                for i in o.items
            ]
        )
        await record_changes(ids.values(), "created")
        await plan(
            current_settings(),
            [
                Plan(ids[o.number], "confirmed", happened_at=o.placed_at)
                for o in fresh
                if not o.cancelled_at
            ],
        )
    return [o.number for o in fresh], [n for n in numbers if n in existing]


async def _customers(orders: Sequence[NewOrder]) -> dict[str, Customer]:
    """Customers by email for these orders, created as needed (name and phone kept fresh)."""
    wanted = {o.email: o for o in orders if o.email}
    found = {c.email: c for c in await Customer.filter(email__in=list(wanted))}
    for email, o in wanted.items():
        customer = found.get(email)
        if customer is None:
            found[email] = await Customer.create(email=email, name=o.name, phone=o.phone)
        elif (o.name and o.name != customer.name) or (o.phone and o.phone != customer.phone):
            customer.name = o.name or customer.name
            customer.phone = o.phone or customer.phone
            await customer.save(update_fields=["name", "phone"])
    return found  # type: ignore[return-value]


async def cancel_order(number: str, reason: str = "") -> None:
    """Cancel an order. Cancelling twice is harmless.

    Raises:
        NotFound: no such order.
        Conflict: the order has been delivered.
    """
    async with in_transaction():
        order = await get_order(number)
        if order.cancelled_at:
            return
        if order.stage in ("delivered", "partly_delivered"):
            raise Conflict(f"order {order.number} has been delivered; start a return instead")
        order.cancelled_at = utcnow()
        order.cancel_reason = reason.strip()[:200]
        await order.save(update_fields=["cancelled_at", "cancel_reason", "updated_at"])
        await refresh_orders([order.id], "cancelled")


async def reopen_order(number: str) -> bool:
    """Undo a cancellation (the shop took the order back up); returns False if it was not
    cancelled. Its parcels still on their way are polled again.

    Raises:
        NotFound: no such order.
    """
    async with in_transaction():
        order = await get_order(number)
        if not order.cancelled_at:
            return False
        order.cancelled_at, order.cancel_reason = None, ""
        await order.save(update_fields=["cancelled_at", "cancel_reason", "updated_at"])
        await Shipment.filter(
            order_id=order.id, milestone__not_in=FINISHED, next_poll_at__isnull=True
        ).update(next_poll_at=utcnow())
        await refresh_orders([order.id], "reopened")
    return True


async def add_note(number: str, body: str, author: str = "owner") -> None:
    """Attach an owner's note to an order.

    Raises:
        NotFound: no such order.
        InvalidInput: empty or longer than 10,000 characters.
    """
    body = body.strip()
    if not body or len(body) > 10_000:
        raise InvalidInput("a note must have 1 to 10,000 characters")
    async with in_transaction():
        order = await get_order(number)
        await Note.create(order=order, body=body, author=author[:64])
        await record_changes([order.id], "note")
