"""The milestone engine's normaliser: one tracking event → a milestone and, for problems, a reason.

A status code from a known source wins (one table per source below, easy to extend); a code
that says nothing ("unknown", "Pending", ...) or that no table knows falls back to the free
text description, matched by the multilingual phrase rules in :mod:`shopdesk.tracking.phrases`.
A description nothing matches is taken as movement: ``in_transit``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from shopdesk.tracking import phrases

__all__ = ["MILESTONES", "REASONS", "Normalised", "classify_text", "code_entry", "normalise"]

MILESTONES = (
    "label_created",
    "in_transit",
    "out_for_delivery",
    "available_for_pickup",
    "attempt_failed",
    "delivered",
    "exception",
    "returning_to_sender",
    "returned_to_sender",
    "cancelled",
)
REASONS = (
    "customs",
    "address",
    "damaged",
    "lost",
    "refused",
    "weather",
    "action_required",
    "delayed",
    "other",
)

# Code tables: code → (milestone, reason), or None for a code that says nothing (use the text).
# A reason of None on "exception" marks a generic problem code: the description may say more.
Entry = tuple[str, str | None] | None

_LABEL: Entry = ("label_created", None)
_TRANSIT: Entry = ("in_transit", None)
_OFD: Entry = ("out_for_delivery", None)
_PICKUP: Entry = ("available_for_pickup", None)
_ATTEMPT: Entry = ("attempt_failed", None)
_DELIVERED: Entry = ("delivered", None)
_EXCEPTION: Entry = ("exception", None)
_RETURNING: Entry = ("returning_to_sender", None)
_RETURNED: Entry = ("returned_to_sender", None)
_CANCELLED: Entry = ("cancelled", None)


def _problem(reason: str) -> Entry:
    return ("exception", reason)


# AfterShip tags and subtags (a subtag is more specific than its tag; unknown subtags fall
# back to the tag before the underscore).
AFTERSHIP: dict[str, Entry] = {
    "Pending": None,
    "InfoReceived": _LABEL,
    "InTransit": _TRANSIT,
    "OutForDelivery": _OFD,
    "AttemptFail": _ATTEMPT,
    "Delivered": _DELIVERED,
    "AvailableForPickup": _PICKUP,
    "Exception": _EXCEPTION,
    "Expired": None,
    "InfoReceived_001": _LABEL,
    "InTransit_001": _TRANSIT,
    "InTransit_002": _TRANSIT,
    "InTransit_003": _TRANSIT,
    "InTransit_004": _TRANSIT,
    "InTransit_005": _TRANSIT,
    "InTransit_006": _TRANSIT,
    "InTransit_007": _TRANSIT,
    "InTransit_008": _TRANSIT,
    "InTransit_009": _TRANSIT,
    "OutForDelivery_001": _OFD,
    "OutForDelivery_003": _OFD,
    "OutForDelivery_004": _OFD,
    "AttemptFail_001": _ATTEMPT,
    "AttemptFail_002": _ATTEMPT,
    "AttemptFail_003": _ATTEMPT,
    "Delivered_001": _DELIVERED,
    "Delivered_002": _DELIVERED,
    "Delivered_003": _DELIVERED,
    "Delivered_004": _DELIVERED,
    "Delivered_005": _DELIVERED,
    "AvailableForPickup_001": _PICKUP,
    "Exception_001": _EXCEPTION,
    "Exception_002": _problem("address"),
    "Exception_003": _problem("refused"),
    "Exception_004": _problem("customs"),
    "Exception_005": _problem("delayed"),
    "Exception_006": _problem("action_required"),
    "Exception_007": _problem("address"),
    "Exception_008": _problem("other"),
    "Exception_009": _problem("other"),
    "Exception_010": _RETURNING,
    "Exception_011": _RETURNED,
    "Exception_012": _problem("damaged"),
    "Exception_013": _problem("lost"),
    "Exception_016": _problem("delayed"),
    "Exception_017": _problem("weather"),
    "Exception_018": _problem("customs"),
}

# EasyPost tracker `status` and `status_detail`.
EASYPOST: dict[str, Entry] = {
    "unknown": None,
    "pre_transit": _LABEL,
    "in_transit": _TRANSIT,
    "out_for_delivery": _OFD,
    "delivered": _DELIVERED,
    "available_for_pickup": _PICKUP,
    "return_to_sender": _RETURNING,
    "failure": _EXCEPTION,
    "cancelled": _CANCELLED,
    "error": None,
    "address_correction": _problem("address"),
    "arrived_at_destination": _TRANSIT,
    "arrived_at_facility": _TRANSIT,
    "arrived_at_pickup_location": _PICKUP,
    "awaiting_information": _problem("action_required"),
    "damaged": _problem("damaged"),
    "delayed": _problem("delayed"),
    "delivery_exception": _EXCEPTION,
    "departed_facility": _TRANSIT,
    "departed_origin_facility": _TRANSIT,
    "expired": None,
    "held": _EXCEPTION,
    "label_created": _LABEL,
    "lost": _problem("lost"),
    "missorted": _problem("delayed"),
    "received_at_destination_facility": _TRANSIT,
    "received_at_origin_facility": _TRANSIT,
    "refused": _problem("refused"),
    "return": _RETURNING,
    "status_update": None,
    "transferred_to_destination_carrier": _TRANSIT,
    "transit_exception": _EXCEPTION,
    "weather_delay": _problem("weather"),
}

# Shippo tracking `status` and `substatus.code`.
SHIPPO: dict[str, Entry] = {
    "UNKNOWN": None,
    "PRE_TRANSIT": _LABEL,
    "TRANSIT": _TRANSIT,
    "DELIVERED": _DELIVERED,
    "RETURNED": _RETURNED,
    "FAILURE": _EXCEPTION,
    "information_received": _LABEL,
    "address_issue": _problem("address"),
    "contact_carrier": _problem("action_required"),
    "delayed": _problem("delayed"),
    "delivery_attempted": _ATTEMPT,
    "delivery_rescheduled": _TRANSIT,
    "delivery_scheduled": _TRANSIT,
    "location_inaccessible": _ATTEMPT,
    "notice_left": _ATTEMPT,
    "out_for_delivery": _OFD,
    "package_accepted": _TRANSIT,
    "package_arrived": _TRANSIT,
    "package_damaged": _problem("damaged"),
    "package_departed": _TRANSIT,
    "package_forwarded": _TRANSIT,
    "package_held": _EXCEPTION,
    "package_processed": _TRANSIT,
    "package_processing": _TRANSIT,
    "pickup_available": _PICKUP,
    "reschedule_delivery": ("attempt_failed", "action_required"),
    "delivered": _DELIVERED,
    "return_to_sender": _RETURNING,
    "package_unclaimed": _RETURNING,
    "package_undeliverable": _problem("other"),
    "package_disposed": _problem("other"),
    "package_lost": _problem("lost"),
    "other": None,
}

# Shopify fulfillment event status / shipment_status (GraphQL upper case, REST lower case:
# lookups ignore case) and REST fulfillment.status.
SHOPIFY: dict[str, Entry] = {
    "ATTEMPTED_DELIVERY": _ATTEMPT,
    "CARRIER_PICKED_UP": _TRANSIT,
    "CONFIRMED": _LABEL,
    "DELAYED": _problem("delayed"),
    "DELIVERED": _DELIVERED,
    "FAILURE": _EXCEPTION,
    "IN_TRANSIT": _TRANSIT,
    "LABEL_PRINTED": _LABEL,
    "LABEL_PURCHASED": _LABEL,
    "OUT_FOR_DELIVERY": _OFD,
    "READY_FOR_PICKUP": _PICKUP,
    "PICKED_UP": _DELIVERED,
    "BUYER_ACTION_REQUIRED": _problem("action_required"),
    "READY_FOR_RECIPIENT_PICKUP": _PICKUP,
    "RETURNING_TO_SENDER": _RETURNING,
    "pending": None,
    "success": None,
    "cancelled": _CANCELLED,
}

# 17TRACK main status, sub_status and milestone key_stage.
SEVENTEEN_TRACK: dict[str, Entry] = {
    "NotFound": None,
    "InfoReceived": _LABEL,
    "InTransit": _TRANSIT,
    "Expired": None,
    "AvailableForPickup": _PICKUP,
    "OutForDelivery": _OFD,
    "DeliveryFailure": _ATTEMPT,
    "Delivered": _DELIVERED,
    "Exception": _EXCEPTION,
    "NotFound_Other": None,
    "NotFound_InvalidCode": None,
    "InTransit_PickedUp": _TRANSIT,
    "InTransit_Other": _TRANSIT,
    "InTransit_Departure": _TRANSIT,
    "InTransit_Arrival": _TRANSIT,
    "InTransit_CustomsProcessing": _TRANSIT,
    "InTransit_CustomsReleased": _TRANSIT,
    "InTransit_CustomsRequiringInformation": _problem("customs"),
    "Expired_Other": None,
    "AvailableForPickup_Other": _PICKUP,
    "OutForDelivery_Other": _OFD,
    "DeliveryFailure_Other": _ATTEMPT,
    "DeliveryFailure_NoBody": _ATTEMPT,
    "DeliveryFailure_Security": ("attempt_failed", "other"),
    "DeliveryFailure_Rejected": ("attempt_failed", "refused"),
    "DeliveryFailure_InvalidAddress": ("attempt_failed", "address"),
    "Delivered_Other": _DELIVERED,
    "Exception_Other": _EXCEPTION,
    "Exception_Returning": _RETURNING,
    "Exception_Returned": _RETURNED,
    "Exception_NoBody": _problem("other"),
    "Exception_Security": _problem("other"),
    "Exception_Damage": _problem("damaged"),
    "Exception_Rejected": _problem("refused"),
    "Exception_Delayed": _problem("delayed"),
    "Exception_Lost": _problem("lost"),
    "Exception_Destroyed": _problem("other"),
    "Exception_Cancel": _CANCELLED,
    "PickedUp": _TRANSIT,
    "Departure": _TRANSIT,
    "Arrival": _TRANSIT,
    "Returning": _RETURNING,
    "Returned": _RETURNED,
}

# DHL Shipment Tracking - Unified API `statusCode`.
DHL: dict[str, Entry] = {
    "pre-transit": _LABEL,
    "transit": _TRANSIT,
    "delivered": _DELIVERED,
    "failure": _EXCEPTION,
    "unknown": None,
}

# UPS Track API activity `status.type`, plus the activity `status.code`s with a clear meaning.
UPS: dict[str, Entry] = {
    "M": _LABEL,
    "P": _TRANSIT,
    "I": _TRANSIT,
    "O": _OFD,
    "D": _DELIVERED,
    "X": _EXCEPTION,
    "RS": _RETURNING,
    "DO": _DELIVERED,
    "DD": _DELIVERED,
    "W": _TRANSIT,
    "NA": None,
    "MP": _LABEL,
    "OT": _OFD,
    "OF": _OFD,
}

# FedEx Track API `latestStatusDetail.code` / `derivedStatusCode` / scan `eventType`.
FEDEX: dict[str, Entry] = {
    "OC": _LABEL,
    "IN": _LABEL,
    "OX": _LABEL,
    "EP": _LABEL,
    "PU": _TRANSIT,
    "PX": _TRANSIT,
    "AA": _TRANSIT,
    "AC": _TRANSIT,
    "AF": _TRANSIT,
    "AO": _TRANSIT,
    "AE": _TRANSIT,
    "AP": _TRANSIT,
    "AR": _TRANSIT,
    "AX": _TRANSIT,
    "CH": _TRANSIT,
    "DP": _TRANSIT,
    "EA": _TRANSIT,
    "EO": _TRANSIT,
    "FD": _TRANSIT,
    "IT": _TRANSIT,
    "IX": _TRANSIT,
    "LO": _TRANSIT,
    "OF": _TRANSIT,
    "OW": _TRANSIT,
    "PF": _TRANSIT,
    "PL": _TRANSIT,
    "PM": _TRANSIT,
    "SF": _TRANSIT,
    "TR": _TRANSIT,
    "CC": _TRANSIT,
    "CP": _TRANSIT,
    "RR": _TRANSIT,
    "RM": _TRANSIT,
    "RC": _TRANSIT,
    "AD": _OFD,
    "OD": _OFD,
    "ED": _OFD,
    "HL": _PICKUP,
    "HP": _PICKUP,
    "DL": _DELIVERED,
    "DE": _EXCEPTION,
    "SE": _EXCEPTION,
    "CD": _problem("customs"),
    "DD": _problem("delayed"),
    "DY": _problem("delayed"),
    "PD": _problem("delayed"),
    "RS": _RETURNING,
    "CA": _CANCELLED,
    "SP": None,
    "DS": None,
    "DR": None,
}

# USPS Tracking v3 `eventCode` and `statusCategory`.
USPS: dict[str, Entry] = {
    "MA": _LABEL,
    "GX": _LABEL,
    "03": _TRANSIT,
    "TM": _TRANSIT,
    "PA": _TRANSIT,
    "06": _TRANSIT,
    "07": _TRANSIT,
    "10": _TRANSIT,
    "19": _TRANSIT,
    "41": _TRANSIT,
    "42": _TRANSIT,
    "80": _TRANSIT,
    "81": _TRANSIT,
    "82": _TRANSIT,
    "EF": _TRANSIT,
    "SF": _TRANSIT,
    "PC": _TRANSIT,
    "TL": _TRANSIT,
    "T1": _TRANSIT,
    "A1": _TRANSIT,
    "71": _TRANSIT,
    "OF": _OFD,
    "14": _PICKUP,
    "16": _PICKUP,
    "01": _DELIVERED,
    "17": _DELIVERED,
    "43": _DELIVERED,
    "02": _ATTEMPT,
    "30": _ATTEMPT,
    "51": _ATTEMPT,
    "52": _ATTEMPT,
    "53": _ATTEMPT,
    "54": _ATTEMPT,
    "55": _ATTEMPT,
    "56": _ATTEMPT,
    "04": _problem("refused"),
    "08": _problem("delayed"),
    "15": _problem("delayed"),
    "11": _problem("lost"),
    "05": ("returning_to_sender", "address"),
    "09": _RETURNING,
    "21": ("returning_to_sender", "address"),
    "22": ("returning_to_sender", "address"),
    "23": ("returning_to_sender", "address"),
    "24": _RETURNING,
    "25": ("returning_to_sender", "address"),
    "26": ("returning_to_sender", "address"),
    "27": _RETURNING,
    "28": _RETURNING,
    "29": _RETURNING,
    "31": _RETURNING,
    "44": _RETURNING,
    "DX": None,
    "Pre-Shipment": _LABEL,
    "Accepted": _TRANSIT,
    "In Transit": _TRANSIT,
    "Out for Delivery": _OFD,
    "Available for Pickup": _PICKUP,
    "Delivery Attempt": _ATTEMPT,
    "Delivered": _DELIVERED,
    "Alert": _EXCEPTION,
    "Return to Sender": _RETURNING,
}

SOURCES: dict[str, dict[str, Entry]] = {
    "aftership": AFTERSHIP,
    "easypost": EASYPOST,
    "shippo": SHIPPO,
    "shopify": SHOPIFY,
    "17track": SEVENTEEN_TRACK,
    "dhl": DHL,
    "ups": UPS,
    "fedex": FEDEX,
    "usps": USPS,
}
_ALIASES = {"seventeentrack": "17track", "fdx": "fedex", "fedexground": "fedex"}
_TOKEN = re.compile(r"[a-z0-9]+")
_FOLDED = {
    name: {code.casefold(): entry for code, entry in table.items()}
    for name, table in SOURCES.items()
}
_PROBLEMS = frozenset({"exception", "attempt_failed", "returning_to_sender", "returned_to_sender"})


@dataclass(frozen=True, slots=True)
class Normalised:
    """A tracking event in the engine's vocabulary.

    Attributes:
        milestone: One of MILESTONES.
        reason: For problems, one of REASONS; otherwise None.
    """

    milestone: str
    reason: str | None


_DEFAULT = Normalised("in_transit", None)


def _source(carrier: str | None) -> str | None:
    """The code source ``carrier`` names (aggregator or carrier API), if any."""
    if not carrier:
        return None
    for token in _TOKEN.findall(carrier.casefold()):
        token = _ALIASES.get(token, token)
        if token in SOURCES:
            return token
    return None


def _global_lookup(key: str) -> tuple[bool, Entry]:
    """Look ``key`` up in every table: (known and unambiguous, entry)."""
    found = [table[key] for table in _FOLDED.values() if key in table]
    known = [entry for entry in found if entry is not None]
    if not found or len({entry[0] for entry in known}) > 1:
        return False, None  # unknown, or ambiguous: "OF" is FedEx origin facility, USPS OFD
    return True, (known[0] if known else None)


@lru_cache(maxsize=4096)
def code_entry(carrier: str | None, code: str | None) -> Entry:
    """What a status code means: (milestone, reason), or None when it says nothing useful.

    Args:
        carrier: Source or carrier name; picks the table when it names a source.
        code: Machine status code, any case.
    """
    key = (code or "").strip().casefold()
    if not key:
        return None
    source = _source(carrier)
    if source and key in _FOLDED[source]:
        return _FOLDED[source][key]
    known, entry = _global_lookup(key)
    if not known and "_" in key:  # unknown subtag such as "Exception_019": use its tag
        known, entry = _global_lookup(key.split("_", 1)[0])
    return entry


@lru_cache(maxsize=65536)
def classify_text(description: str | None) -> Normalised | None:
    """What a free-text description means, or None when no phrase rule matches.

    Args:
        description: Carrier event text in any supported language.
    """
    if not description:
        return None
    folded = phrases.fold(description)
    rule = phrases.match(folded) if folded else None
    if rule is None:
        return None
    reason = rule.reason
    if reason is None and rule.milestone in _PROBLEMS:
        reason = phrases.reason_for(folded)
        if reason is None and rule.milestone == "exception":
            reason = "other"
    return Normalised(rule.milestone, reason)


def normalise(carrier: str | None, code: str | None, description: str | None) -> Normalised:
    """Map one tracking event to a milestone (and a reason for problems).

    The code wins when a table knows it; a generic problem code ("exception", FedEx "DE", UPS
    "X") takes its detail from the description. Otherwise the description decides, and a
    description nothing matches counts as movement.

    Args:
        carrier: Source ("aftership", "easypost", "shippo", "shopify", "17track", "dhl", "ups",
            "fedex", "usps") or a carrier name; only used to pick the code table.
        code: Machine status code from that source, if any.
        description: Free-text event description, if any.

    Returns:
        The normalised event; never raises on missing or odd input.
    """
    entry = code_entry(carrier, code) if code else None
    text = classify_text(description) if description else None
    if entry is None:
        return text or _DEFAULT
    milestone, reason = entry
    if reason is None and milestone == "exception":
        if text is not None and text.milestone in _PROBLEMS:
            return text
        return Normalised("exception", (text and text.reason) or "other")
    if reason is None and text is not None and text.milestone == milestone:
        return text
    return Normalised(milestone, reason)
