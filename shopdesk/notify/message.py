"""What a notification says, as plain data: templates see only these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Customer-facing notification kinds, in the order an order lives through them.
KINDS = (
    "confirmed",
    "shipped",
    "out_for_delivery",
    "available_for_pickup",
    "attempt_failed",
    "delivered",
    "exception",
    "delayed",  # derived: stalled, late or dispatch delayed — one honest, apologetic update
    "returned_to_sender",
    # Returns (episode: the return), in the order a return lives through them.
    "return_requested",
    "return_approved",
    "return_rejected",
    "return_in_transit",  # the customer gave the return parcel's tracking number
    "return_received",
    "refund_issued",
    "exchange_sent",
    "store_credit_issued",
    "return_closed",
    "return_expired",
    "test",  # `shopdesk notify test` (stays last: config messages list KINDS[:-1])
)
CHANNEL_KINDS = ("email", "sms", "chat")
RETURN_KINDS = frozenset(k for k in KINDS if k.startswith("return_")) | {
    "refund_issued",
    "exchange_sent",
    "store_credit_issued",
}


@dataclass(frozen=True, slots=True)
class Shop:
    name: str
    public_url: str
    support_email: str = ""
    support_phone: str = ""
    logo: str = ""
    primary_color: str = "#1f6feb"


@dataclass(frozen=True, slots=True)
class Message:
    """Everything a template may use for one customer message."""

    kind: str  # one of KINDS
    locale: str  # en, de, fr, es, nl
    shop: Shop
    order_number: str
    first_name: str  # the customer's first name, "" if unknown
    tracking_url: str
    unsubscribe_url: str
    carrier: str = ""
    tracking_number: str = ""
    estimate: tuple[date, date] | None = None  # the (new) delivery window
    reason: str | None = None  # exception reason (customs, address, ...) or delay cause
    status_text: str = ""  # the carrier's own words for the latest scan
    parcels: int = 1  # >1: a digest for several parcels of one order
    items: tuple[tuple[str, int], ...] = ()  # (title, quantity); a return's: what comes back
    ret: ReturnFacts | None = None  # return kinds: the return the message is about


@dataclass(frozen=True, slots=True)
class ReturnFacts:
    """What a return message may tell about its return (no ORM objects, no address)."""

    rma: str
    url: str  # the return's own page, /r/{token}
    rejection_reason: str = ""  # the shop's words, shown as typed (escaped)
    send_by: date | None = None  # approved: the day to send the items by
    carrier: str = ""  # the return parcel
    tracking_number: str = ""
    amount_minor: int | None = None  # refund or store credit
    currency: str = ""
    refund_method: str = ""  # card, paypal, bank_transfer, store_credit
    refund_expected: tuple[date, date] | None = None  # on the customer's statement
    note: str = ""  # the shop's note on an exchange or credit


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for Apprise."""

    title: str
    body: str
    body_format: str  # "html", "text" or "markdown" (Apprise's NotifyFormat values)
    text: str  # plain-text version (the email's alternative part; the SMS itself)
    segments: int = 0  # SMS only: how many segments the text needs (GSM-7 or UCS-2)
