"""The engine's rules, as pure functions: what may follow what, and the order's stage."""

from datetime import date

import pytest

from shopdesk.tracking.state import Scan, attention_reason, can_follow, current_scan, order_stage
from tests.conftest import at

ALLOWED = [
    (None, "in_transit"),
    ("label_created", "in_transit"),
    ("in_transit", "out_for_delivery"),
    ("in_transit", "in_transit"),
    ("out_for_delivery", "delivered"),
    ("out_for_delivery", "attempt_failed"),  # reality moves it back
    ("out_for_delivery", "exception"),
    ("out_for_delivery", "returning_to_sender"),
    ("attempt_failed", "out_for_delivery"),
    ("attempt_failed", "in_transit"),  # back to the depot after a failed attempt
    ("attempt_failed", "available_for_pickup"),
    ("exception", "in_transit"),  # moving again after a customs hold
    ("delivered", "returning_to_sender"),
    ("delivered", "returned_to_sender"),
    ("returning_to_sender", "returned_to_sender"),
    ("label_created", "delivered"),  # carriers skip scans
]
FORBIDDEN = [
    ("out_for_delivery", "in_transit"),  # a late hub scan
    ("delivered", "in_transit"),
    ("delivered", "out_for_delivery"),
    ("delivered", "exception"),
    ("delivered", "attempt_failed"),
    ("in_transit", "label_created"),
    ("exception", "label_created"),
    ("returned_to_sender", "delivered"),
    ("returned_to_sender", "in_transit"),
    ("returning_to_sender", "in_transit"),
    ("available_for_pickup", "in_transit"),
]


@pytest.mark.parametrize(("current", "new"), ALLOWED)
def test_allowed_moves(current, new):
    assert can_follow(current, new)


@pytest.mark.parametrize(("current", "new"), FORBIDDEN)
def test_forbidden_moves(current, new):
    assert not can_follow(current, new)


def test_events_fold_in_the_order_they_happened_not_arrived():
    delivered = Scan(at("2026-11-03 14:00"), "delivered", seq=1)
    in_transit = Scan(at("2026-11-02 08:00"), "in_transit", seq=2)  # arrived later
    assert current_scan([delivered, in_transit]) == delivered


def test_a_late_in_transit_after_delivery_time_is_ignored():
    scans = [
        Scan(at("2026-11-03 14:00"), "delivered", seq=1),
        Scan(at("2026-11-03 15:00"), "in_transit", seq=2),
    ]
    assert current_scan(scans).milestone == "delivered"


def test_a_failed_attempt_after_out_for_delivery_counts():
    scans = [
        Scan(at("2026-11-03 08:00"), "out_for_delivery", seq=1),
        Scan(at("2026-11-03 17:00"), "attempt_failed", seq=2),
    ]
    assert current_scan(scans).milestone == "attempt_failed"


def test_same_time_events_keep_arrival_order():
    first = Scan(at("2026-11-03 08:00"), "in_transit", seq=1)
    second = Scan(at("2026-11-03 08:00"), "out_for_delivery", seq=2)
    assert current_scan([second, first]) == second


def test_no_scans_no_state():
    assert current_scan([]) is None


@pytest.mark.parametrize(
    ("shipments", "stage"),
    [
        ([], "confirmed"),
        ([("label_created", False)], "preparing"),
        ([("label_created", True)], "shipped"),
        ([("in_transit", True), ("label_created", False)], "partly_shipped"),
        ([("in_transit", True), ("in_transit", True)], "shipped"),
        ([("out_for_delivery", True), ("in_transit", True)], "out_for_delivery"),
        ([("delivered", True), ("in_transit", True)], "partly_delivered"),
        ([("delivered", True), ("delivered", True)], "delivered"),
        ([("delivered", True), ("cancelled", True)], "delivered"),
        ([("cancelled", True)], "confirmed"),
        ([("exception", True)], "shipped"),
        ([("available_for_pickup", True)], "shipped"),
    ],
)
def test_order_stage(shipments, stage):
    assert order_stage(shipments) == stage


def test_cancelled_order_stage_wins():
    assert order_stage([("delivered", True)], cancelled=True) == "cancelled"


def test_attention_reasons():
    assert attention_reason([("delivered", None, None)]) is None
    assert (
        attention_reason([("delivered", None, None), ("exception", "customs", None)])
        == "carrier exception: customs"
    )
    assert attention_reason([("attempt_failed", None, None)]) == "delivery attempt failed"
    assert attention_reason([("returned_to_sender", None, None)]) == "returned to sender"
    assert attention_reason([("in_transit", None, "late")]).startswith("late")
    assert attention_reason([("in_transit", None, "stalled")]).startswith("stalled")
    assert attention_reason([], dispatch_delayed=True) == "not shipped within the handling time"


def test_business_day_estimate_skips_weekends_and_holidays():
    from shopdesk.config import Settings
    from shopdesk.tracking.estimate import add_business_days, estimate_window

    # Thursday 24 Dec 2026 + 2 business days in Germany: 25, 26 are holidays, 27 Sunday.
    assert add_business_days(date(2026, 12, 24), 2, "DE") == date(2026, 12, 29)
    settings = Settings(country="DE", timezone="Europe/Berlin", transit_days=(1, 3), transit=())
    window, source = estimate_window(
        settings,
        shipped_at=at("2026-11-27 10:00"),  # a Friday
        carrier="DHL",
        service="",
        country="DE",
    )
    assert window == (date(2026, 11, 30), date(2026, 12, 2)) and source == "shop"
    window, source = estimate_window(
        settings,
        shipped_at=None,
        carrier="DHL",
        service="",
        country="DE",
        carrier_estimate=(None, date(2026, 12, 4)),
    )
    assert window == (date(2026, 12, 4), date(2026, 12, 4)) and source == "carrier"


def test_transit_rules_pick_first_match():
    from shopdesk.config import Settings, TransitRule
    from shopdesk.tracking.estimate import transit_days

    settings = Settings(
        country="DE",
        transit_days=(2, 4),
        transit=(
            TransitRule(days=(1, 1), carrier="UPS", service="Express"),
            TransitRule(days=(5, 9), destination="international"),
            TransitRule(days=(1, 2), destination="domestic"),
        ),
    )
    assert transit_days(settings, "ups", "express", "FR") == (1, 1)
    assert transit_days(settings, "DHL", "", "FR") == (5, 9)
    assert transit_days(settings, "DHL", "", "DE") == (1, 2)
