"""Tracking aggregators: EasyPost, Shippo, AfterShip and 17TRACK webhooks → tracking events.

Each delivery carries a parcel's history so far; every scan in it becomes a
:class:`~shopdesk.services.shipments.NewEvent` read with that source's status codes
(:mod:`shopdesk.tracking.normalize`), and events already recorded are recognised as
duplicates. Two-level codes (status and detail) use the detail, unless it disagrees with a
final status (delivered, returned).
"""

from __future__ import annotations

from typing import Any

from shopdesk.services.shipments import NewEvent
from shopdesk.tracking.normalize import code_entry
from shopdesk.webhooks.work import Malformed, Work, day, items, load_json, moment, obj, text

_FINAL = frozenset({"delivered", "returned_to_sender", "cancelled"})


def pick(source: str, status: str, detail: str) -> str:
    """The code to read: ``detail`` when it is known and agrees with a final ``status``."""
    main, fine = code_entry(source, status or None), code_entry(source, detail or None)
    if fine is None:
        return status
    if main is not None and main[0] in _FINAL and fine[0] != main[0]:
        return status
    return detail


def _place(*parts: Any) -> str:
    return ", ".join(p for p in (text(x, 100) for x in parts) if p)[:200]


def _number(value: Any, what: str) -> str:
    number = text(value, 64)
    if not number:
        raise Malformed(f"{what} is missing")
    return number


# --- EasyPost ---------------------------------------------------------------------------


def easypost(topic: str, body: str) -> Work:
    """An EasyPost Event; ``tracker.created`` / ``tracker.updated`` carry a Tracker.

    Raises:
        Malformed: not JSON, or a tracker event without a tracker.
    """
    event = obj(load_json(body), "the event")
    kind = text(event.get("description"), 64)
    if kind not in ("tracker.created", "tracker.updated"):
        return Work(ignored=f"event {kind or '(none)'} carries no tracking")
    tracker = obj(event.get("result"), "result")
    number = _number(tracker.get("tracking_code"), "result.tracking_code")
    estimate = day(tracker.get("est_delivery_date"))
    events = []
    for detail in items(tracker.get("tracking_details"), "result.tracking_details"):
        where = detail.get("tracking_location") or {}
        where = where if isinstance(where, dict) else {}
        events.append(
            NewEvent(
                tracking_number=number,
                occurred_at=moment(detail.get("datetime"), "tracking_details.datetime"),
                code=pick(
                    "easypost",
                    text(detail.get("status"), 64),
                    text(detail.get("status_detail"), 64),
                ),
                description=text(detail.get("message")) or text(detail.get("description")),
                location=_place(where.get("city"), where.get("state"), where.get("country")),
                carrier="easypost",
                source="easypost",
                estimate=(estimate, estimate) if estimate else None,
            )
        )
    return Work(events=events)


# --- Shippo -----------------------------------------------------------------------------


def shippo(topic: str, body: str) -> Work:
    """A Shippo ``track_updated`` webhook: ``data`` is a Track.

    Raises:
        Malformed: not JSON, or no Track in ``data``.
    """
    message = obj(load_json(body), "the webhook")
    kind = text(message.get("event"), 64)
    if kind != "track_updated":
        return Work(ignored=f"event {kind or '(none)'} carries no tracking")
    track = obj(message.get("data"), "data")
    number = _number(track.get("tracking_number"), "data.tracking_number")
    eta = day(track.get("eta"))
    history = items(track.get("tracking_history"), "data.tracking_history")
    if isinstance(track.get("tracking_status"), dict):
        history.append(track["tracking_status"])
    events = []
    for status in history:
        if not status.get("status_date"):
            continue  # Shippo's placeholder status before the carrier said anything
        sub = status.get("substatus") if isinstance(status.get("substatus"), dict) else {}
        where = status.get("location") if isinstance(status.get("location"), dict) else {}
        events.append(
            NewEvent(
                tracking_number=number,
                occurred_at=moment(status.get("status_date"), "status_date"),
                code=pick("shippo", text(status.get("status"), 64), text(sub.get("code"), 64)),
                description=text(status.get("status_details")),
                location=_place(where.get("city"), where.get("state"), where.get("country")),
                carrier="shippo",
                source="shippo",
                estimate=(eta, eta) if eta else None,
            )
        )
    return Work(events=events)


# --- AfterShip --------------------------------------------------------------------------


def aftership(topic: str, body: str) -> Work:
    """An AfterShip ``tracking_update`` webhook: ``msg`` is the tracking with checkpoints.

    Raises:
        Malformed: not JSON, or no tracking in ``msg``.
    """
    message = obj(load_json(body), "the webhook")
    kind = text(message.get("event"), 64)
    if kind and kind != "tracking_update":
        return Work(ignored=f"event {kind} carries no tracking")
    tracking = obj(message.get("msg"), "msg")
    if isinstance(tracking.get("tracking"), dict):  # newer API versions nest it
        tracking = tracking["tracking"]
    number = _number(tracking.get("tracking_number"), "msg.tracking_number")
    expected = day(tracking.get("expected_delivery"))
    events = []
    for point in items(tracking.get("checkpoints"), "msg.checkpoints"):
        when = point.get("checkpoint_time") or point.get("created_at")
        events.append(
            NewEvent(
                tracking_number=number,
                occurred_at=moment(when, "checkpoint_time"),
                code=pick("aftership", text(point.get("tag"), 64), text(point.get("subtag"), 64)),
                description=text(point.get("message")),
                location=text(point.get("location"), 200)
                or _place(point.get("city"), point.get("state"), point.get("country_iso3")),
                carrier="aftership",
                source="aftership",
                estimate=(expected, expected) if expected else None,
            )
        )
    return Work(events=events)


# --- 17TRACK ----------------------------------------------------------------------------


def seventeen_track(topic: str, body: str) -> Work:
    """A 17TRACK v2 ``TRACKING_UPDATED`` push: every provider's events.

    Raises:
        Malformed: not JSON, or no ``data.number``.
    """
    message = obj(load_json(body), "the push")
    kind = text(message.get("event"), 64)
    if kind != "TRACKING_UPDATED":
        return Work(ignored=f"event {kind or '(none)'} carries no tracking")
    data = obj(message.get("data"), "data")
    number = _number(data.get("number"), "data.number")
    info = data.get("track_info") if isinstance(data.get("track_info"), dict) else {}
    window = (
        ((info.get("time_metrics") or {}).get("estimated_delivery_date") or {})
        if isinstance(info.get("time_metrics"), dict)
        else {}
    )
    window = window if isinstance(window, dict) else {}
    estimate = (day(window.get("from")), day(window.get("to")))
    tracking = info.get("tracking") if isinstance(info.get("tracking"), dict) else {}
    events = []
    for provider in items(tracking.get("providers"), "track_info.tracking.providers"):
        for event in items(provider.get("events"), "providers.events"):
            when = event.get("time_utc") or event.get("time_iso")
            if not when:
                continue  # 17TRACK lists milestones not reached yet without a time
            events.append(
                NewEvent(
                    tracking_number=number,
                    occurred_at=moment(when, "time_utc"),
                    code=text(event.get("sub_status"), 64) or text(event.get("stage"), 64),
                    description=text(event.get("description")),
                    location=text(event.get("location"), 200),
                    carrier="17track",
                    source="17track",
                    estimate=estimate if any(estimate) else None,
                )
            )
    return Work(events=events)
