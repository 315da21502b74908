"""Database tables (Tortoise ORM). Only services touch these; UIs see plain dataclasses.

Times are timezone-aware UTC. Money is integer minor units plus an ISO 4217 currency code.
"""

from __future__ import annotations

import tortoise.models
from tortoise import fields
from tortoise.models import Model


def _no_field_comments(cls: type) -> dict[str, str]:
    """Field descriptions from ``#:`` comments: none here (we write none)."""
    return {}


# Tortoise reads each model's source (inspect.getsource) to find ``#:`` comments, which costs
# ~150 ms at every start of every command; these models have none. A Tortoise that no longer
# has this hook still works here, only slower: tests/test_models_import.py fails loudly then.
if callable(getattr(tortoise.models, "_get_comments", None)):
    tortoise.models._get_comments = _no_field_comments


class Customer(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, null=True, unique=True)
    name = fields.CharField(max_length=200, default="")
    phone = fields.CharField(max_length=32, default="")
    opted_out_at = fields.DatetimeField(null=True)  # no more messages, by the customer's wish
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer"


class Order(Model):
    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=64, unique=True)
    token = fields.CharField(max_length=64, unique=True)
    source = fields.CharField(max_length=32, default="manual")
    external_id = fields.CharField(max_length=64, null=True)
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="orders", null=True, on_delete=fields.SET_NULL
    )
    placed_at = fields.DatetimeField()
    currency = fields.CharField(max_length=3)
    total_minor = fields.BigIntField(default=0)
    ship_country = fields.CharField(max_length=2, default="")
    ship_postcode = fields.CharField(max_length=16, default="")
    ship_city = fields.CharField(max_length=100, default="")
    locale = fields.CharField(max_length=8, null=True)
    timezone = fields.CharField(max_length=64, null=True)
    stage = fields.CharField(max_length=24, default="confirmed")
    attention = fields.CharField(max_length=120, null=True)
    cancelled_at = fields.DatetimeField(null=True)
    cancel_reason = fields.CharField(max_length=200, default="")
    dispatch_delayed_at = fields.DatetimeField(null=True)  # the watch: not shipped in time
    # The shop's own last-modified time of the version applied: older deliveries are ignored.
    source_updated_at = fields.DatetimeField(null=True)
    # Lower-cased number, customer name and email and tracking numbers: one column to search.
    search_text = fields.TextField(default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "orders"
        unique_together = (("source", "external_id"),)
        # The order list pages newest first, over everything or one stage.
        indexes = (("placed_at", "id"), ("stage", "placed_at", "id"))


class OrderItem(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="items", on_delete=fields.CASCADE, db_index=True
    )
    sku = fields.CharField(max_length=100, default="")
    title = fields.CharField(max_length=500)
    quantity = fields.IntField()
    unit_price_minor = fields.BigIntField()
    image_url = fields.CharField(max_length=500, default="")

    class Meta:
        table = "order_item"


class Shipment(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="shipments", on_delete=fields.CASCADE
    )
    carrier = fields.CharField(max_length=64)
    tracking_number = fields.CharField(max_length=64, db_index=True)
    service = fields.CharField(max_length=100, default="")
    shipped_at = fields.DatetimeField(null=True)
    carrier_estimate_from = fields.DateField(null=True)
    carrier_estimate_to = fields.DateField(null=True)
    milestone = fields.CharField(max_length=24, default="label_created")
    reason = fields.CharField(max_length=24, null=True)
    status_text = fields.CharField(max_length=500, default="")
    last_event_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    # The watch: "stalled" or "late" while an episode lasts; cleared by the next scan.
    watch = fields.CharField(max_length=16, null=True)
    watch_since = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # When the poller next looks at this parcel; NULL: never (finished long ago, or cancelled).
    next_poll_at = fields.DatetimeField(null=True, db_index=True)
    external_id = fields.CharField(max_length=64, null=True)  # the shop's fulfillment id
    source_updated_at = fields.DatetimeField(null=True)  # the shop's version of the fulfillment

    class Meta:
        table = "shipment"
        unique_together = (("order_id", "tracking_number"),)


class TrackingEvent(Model):
    id = fields.IntField(primary_key=True)
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="events", on_delete=fields.CASCADE
    )
    occurred_at = fields.DatetimeField()
    milestone = fields.CharField(max_length=24)
    reason = fields.CharField(max_length=24, null=True)
    raw_code = fields.CharField(max_length=64, default="")
    raw_description = fields.CharField(max_length=500, default="")
    location = fields.CharField(max_length=200, default="")
    source = fields.CharField(max_length=32, default="manual")
    dedupe_key = fields.CharField(max_length=64)
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tracking_event"
        unique_together = (("shipment_id", "dedupe_key"),)


class Note(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="notes", on_delete=fields.CASCADE, db_index=True
    )
    body = fields.TextField()
    author = fields.CharField(max_length=64, default="owner")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "note"


class RawInput(Model):
    """Every imported row or received body, stored before it is interpreted.

    Webhooks (source ``hook:<name>``) are accepted, then processed, unmatched (no such
    parcel or order yet), ignored (nothing to do) or error, or rejected (bad signature or
    body, never processed unless the owner replays it). ``digest`` is the dedupe key: the
    source's delivery id (or the body's hash) for accepted deliveries.
    """

    id = fields.IntField(primary_key=True)
    source = fields.CharField(max_length=32)
    ref = fields.CharField(max_length=300, default="")
    digest = fields.CharField(max_length=64, unique=True)
    body = fields.TextField()
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    error = fields.TextField(default="")
    received_at = fields.DatetimeField(auto_now_add=True)
    event_id = fields.CharField(max_length=200, default="")  # the source's delivery id
    topic = fields.CharField(max_length=100, default="")  # e.g. orders/create
    headers = fields.TextField(default="")  # JSON: the request headers that matter
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "raw_input"


class Change(Model):
    """The change feed: other processes follow ``id`` to see what changed, cheaply."""

    id = fields.BigIntField(primary_key=True)
    order_id = fields.IntField(null=True)
    kind = fields.CharField(max_length=32)
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "change"


class Notification(Model):
    """The outbox: one message to one channel, planned in the same transaction as its cause."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="notifications", on_delete=fields.CASCADE, db_index=True
    )
    shipment_id = fields.IntField(null=True)
    kind = fields.CharField(max_length=24)
    channel = fields.CharField(max_length=32)
    key = fields.CharField(max_length=120, unique=True)  # idempotency: order, milestone, channel
    status = fields.CharField(max_length=12, default="queued")  # queued sending sent failed skipped
    attempts = fields.IntField(default=0)
    due_at = fields.DatetimeField()
    claimed_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    parcels = fields.IntField(default=1)  # >1: one digest for several parcels
    reason = fields.CharField(max_length=24, null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "notification"
        indexes = (("status", "due_at"),)


class NotificationAttempt(Model):
    id = fields.IntField(primary_key=True)
    notification: fields.ForeignKeyRelation[Notification] = fields.ForeignKeyField(
        "models.Notification",
        related_name="attempt_log",
        on_delete=fields.CASCADE,
        db_index=True,
    )
    at = fields.DatetimeField()
    ok = fields.BooleanField()
    error = fields.TextField(default="")

    class Meta:
        table = "notification_attempt"


class Alert(Model):
    """The owner's exceptions queue: something needs a human."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="alerts", null=True, on_delete=fields.CASCADE, db_index=True
    )
    shipment_id = fields.IntField(null=True)
    kind = fields.CharField(max_length=32)
    message = fields.TextField()
    key = fields.CharField(max_length=120, unique=True)  # one entry per episode
    created_at = fields.DatetimeField(auto_now_add=True)
    notified_at = fields.DatetimeField(null=True)  # when the owner's channels were told
    resolved_at = fields.DatetimeField(null=True)
    note = fields.TextField(default="")

    class Meta:
        table = "alert"
        indexes = (("resolved_at", "created_at"),)


class Secret(Model):
    """Secrets every process of the shop shares (the key that signs unsubscribe links)."""

    name = fields.CharField(max_length=64, primary_key=True)
    value = fields.CharField(max_length=128)

    class Meta:
        table = "secret"


class Return(Model):
    """A customer's return of some items of one order ("where is my return?").

    Requested, decided, sent back, received, resolved (refund, exchange or store credit),
    closed — or expired when nothing was sent in time. The return parcel is tracked here
    (carrier, tracking number, its latest milestone), not as a :class:`Shipment`, so it never
    moves the order's own stage.
    """

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="returns", on_delete=fields.CASCADE, db_index=True
    )
    rma = fields.CharField(max_length=80, unique=True)  # "R-1001-1": what people quote
    token = fields.CharField(max_length=64, unique=True)  # the customer's page /r/{token}
    # requested approved rejected in_transit received refunded exchanged credited closed expired
    status = fields.CharField(max_length=16, default="requested")
    reason = fields.CharField(max_length=500, default="")
    resolution = fields.CharField(max_length=16)  # wanted: refund, exchange, store_credit
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    decided_at = fields.DatetimeField(null=True)  # approved or rejected
    rejection_reason = fields.CharField(max_length=500, default="")
    # The parcel on its way back.
    carrier = fields.CharField(max_length=64, null=True)
    tracking_number = fields.CharField(max_length=64, null=True, db_index=True)
    sent_at = fields.DatetimeField(null=True)  # the tracking number was given: on its way
    milestone = fields.CharField(max_length=24, null=True)  # its latest scan
    last_event_at = fields.DatetimeField(null=True)
    received_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)  # refunded, exchanged or credited
    refund_minor = fields.BigIntField(null=True)  # refund or store credit, in order currency
    refund_method = fields.CharField(max_length=16, default="")
    refund_issued_at = fields.DatetimeField(null=True)
    resolution_note = fields.CharField(max_length=500, default="")  # e.g. the exchange sent
    expired_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "order_return"
        # The owner's list pages newest first, over everything or one status.
        indexes = (("status", "id"),)


class ReturnItem(Model):
    id = fields.IntField(primary_key=True)
    return_request: fields.ForeignKeyRelation[Return] = fields.ForeignKeyField(
        "models.Return", related_name="items", on_delete=fields.CASCADE, db_index=True
    )
    order_item: fields.ForeignKeyRelation[OrderItem] = fields.ForeignKeyField(
        "models.OrderItem", related_name="return_items", on_delete=fields.CASCADE, db_index=True
    )
    quantity = fields.IntField()

    class Meta:
        table = "order_return_item"
        unique_together = (("return_request_id", "order_item_id"),)


class ApiKey(Model):
    """A key for the JSON API: only its SHA-256 is stored, the plaintext is shown once."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    prefix = fields.CharField(max_length=8, unique=True)  # the key's first 8 characters, shown
    hash = fields.CharField(max_length=64, unique=True)  # sha256 hex of the whole key
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"


class Dismissal(Model):
    """The owner set an exceptions-queue item aside, with a note. ``key`` names the item's
    cause as it was (the parcel's milestone, the message's attempt count): when the cause
    changes the key changes, and the item comes back."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=160, unique=True)
    kind = fields.CharField(max_length=32)
    order_id = fields.IntField(null=True, db_index=True)
    note = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "dismissal"


class CarrierHealth(Model):
    """One carrier API adapter's health and request budget, shared by every polling process.

    ``recent`` holds the times (epoch seconds) of the requests made in the last budget window,
    so cron runs and ``serve`` together stay within the carrier's limit.
    """

    name = fields.CharField(max_length=32, primary_key=True)
    last_success_at = fields.DatetimeField(null=True)
    last_error_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=500, default="")
    failures = fields.IntField(default=0)  # in a row: the backoff grows with them
    paused_until = fields.DatetimeField(null=True)  # after a 429 or a 5xx
    next_poll_at = fields.DatetimeField(null=True)
    leased_until = fields.DatetimeField(null=True)  # a process is polling this carrier
    recent = fields.TextField(default="[]")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "carrier_health"


class ShipmentPoll(Model):
    """What a shipment's carrier API said last time (when next: ``Shipment.next_poll_at``)."""

    id = fields.IntField(primary_key=True)
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="polls", on_delete=fields.CASCADE, unique=True
    )
    last_at = fields.DatetimeField(null=True)
    outcome = fields.CharField(max_length=16, default="")  # found, not_found, invalid
    misses = fields.IntField(default=0)  # "not found yet" answers in a row

    class Meta:
        table = "shipment_poll"
