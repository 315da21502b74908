"""Tracking numbers: clean-up, carrier detection with check digits, public tracking pages.

Detection uses the maintained data set of the ``tracking-numbers`` package (UPS, USPS, FedEx,
DHL Express, UPU S10 postal numbers, Amazon, OnTrac, …) plus a thin layer of our own for the
European carriers it lacks (DHL Paket, PostNL, DPD, GLS) and for the carrier names shopdesk
uses. A detection is a guess only: the owner can always name the carrier.

Three outcomes, kept apart on purpose:

- ``valid``: the number has a known carrier's format and its check digit (if the format has
  one) is right. The carrier may still have no information yet — that is the pollers'
  "not found yet", never decided here.
- ``invalid``: not a tracking number at all, or a known format whose check digit is wrong (a
  typo, most likely).
- ``unknown``: well-formed, but no carrier we know writes numbers like it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import quote

from shopdesk.errors import InvalidInput

__all__ = ["Detection", "carrier_url", "clean_tracking_number", "detect", "guess_carrier"]

# Spaces (any Unicode space), dashes of every kind, dots and slashes people type or paste.
_CLEAN = re.compile(r"[\s\-\u2010-\u2015\u2212./]")
_VALID = re.compile(r"[A-Z0-9]{4,40}")
_MAX_RAW = 200  # longer input is not a tracking number; do not spend work on it

# UPU S10 numbers (two letters, 8 digits + check digit, country) by issuing country.
_S10_POSTS = {
    "US": "USPS",
    "GB": "Royal Mail",
    "DE": "Deutsche Post",
    "NL": "PostNL",
    "FR": "La Poste",
    "BE": "bpost",
    "CA": "Canada Post",
    "AU": "Australia Post",
    "ES": "Correos",
    "IT": "Poste Italiane",
    "PL": "Poczta Polska",
    "CH": "Swiss Post",
    "AT": "Austrian Post",
    "SE": "PostNord",
    "DK": "PostNord",
    "JP": "Japan Post",
    "CN": "China Post",
}
# tracking-numbers courier codes → the names shopdesk uses.
_COURIERS = {
    "ups": "UPS",
    "usps": "USPS",
    "fedex": "FedEx",
    "dhl": "DHL Express",
    "amazon": "Amazon Logistics",
    "ontrac": "OnTrac",
    "cdl": "CDL",
}

Status = Literal["valid", "invalid", "unknown"]


@dataclass(frozen=True, slots=True)
class Detection:
    """What a tracking number says about itself.

    Attributes:
        number: the cleaned number (upper case, no spaces or dashes); the raw input, cut
            short, when it is not a tracking number at all.
        status: ``valid``, ``invalid`` or ``unknown`` (see the module docstring).
        carrier: the carrier's name as shopdesk writes it; for ``invalid`` the carrier whose
            format it resembles, if any.
        product: the carrier's service or number family ("FedEx Ground", "S10", …).
        reason: why it is invalid, for the owner; empty otherwise.
        alternatives: other carriers whose valid format the number also fits.
        url: the carrier's public tracking page for a valid number.
    """

    number: str
    status: Status
    carrier: str | None = None
    product: str = ""
    reason: str = ""
    alternatives: tuple[str, ...] = ()
    url: str | None = None


def _normal(raw: str) -> str:
    """NFKC (full-width digits become digits), without separators, upper case."""
    return _CLEAN.sub("", unicodedata.normalize("NFKC", str(raw))).upper()


def clean_tracking_number(raw: str) -> str:
    """Upper-cased, without spaces or dashes.

    Raises:
        InvalidInput: not 4-40 letters and digits.
    """
    cleaned = _normal(str(raw)[:_MAX_RAW])
    if len(str(raw)) > _MAX_RAW or not _VALID.fullmatch(cleaned):
        shown = str(raw)[:60] + ("…" if len(str(raw)) > 60 else "")
        raise InvalidInput(f"tracking number {shown!r} must be 4-40 letters and digits")
    return cleaned


# ---- check digits of the formats the package lacks ------------------------------------------


def _gs1_ok(digits: str) -> bool:
    """GS1 mod 10 (SSCC, weights 3 and 1 from the right, check digit last)."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


@dataclass(frozen=True, slots=True)
class _Rule:
    carrier: str
    product: str
    pattern: re.Pattern[str]
    check: Callable[[str], bool] | None = None  # None: the format has no check digit


# Checked, specific rules run before the package's definitions; format-only rules after.
_OWN_FIRST = (_Rule("DHL Paket", "SSCC", re.compile(r"00340434\d{12}"), _gs1_ok),)
_OWN_LAST = (
    _Rule("DHL Paket", "JJD", re.compile(r"JJD\d{8,24}")),
    _Rule("DHL Parcel", "JVGL", re.compile(r"JVGL\d{8,24}")),
    _Rule("PostNL", "3S", re.compile(r"3S[A-Z]{4}\d{5,11}")),
    _Rule("DPD", "parcel number", re.compile(r"[01]\d{13}[0-9A-Z]?")),
    _Rule("GLS", "parcel number", re.compile(r"\d{11}")),
)


@lru_cache(maxsize=1)
def _definitions() -> tuple[object, ...]:
    from tracking_numbers import DEFINITIONS  # builds ~20 compiled regexes: load when needed

    return tuple(DEFINITIONS)


def _matches(number: str) -> list[tuple[str, str, str, str | None]]:
    """Every format the number fits: (carrier, product, error or "", package URL)."""
    found: list[tuple[str, str, str, str | None]] = []

    def own(rules: tuple[_Rule, ...]) -> None:
        for rule in rules:
            if rule.pattern.fullmatch(number):
                ok = rule.check is None or rule.check(number)
                found.append((rule.carrier, rule.product, "" if ok else "check digit", None))

    own(_OWN_FIRST)
    if found:  # a prefix only one carrier uses: no other format's verdict counts
        return found
    for definition in _definitions():
        hit = definition.test(number)  # type: ignore[attr-defined]
        if hit is None:
            continue
        code = hit.courier.code
        carrier = (
            _S10_POSTS.get(number[-2:], "Postal service")
            if code == "s10"
            else _COURIERS.get(code, hit.courier.name)
        )
        errors = [name for name, _ in hit.validation_errors]
        error = "" if not errors else ("check digit" if "checksum" in errors else errors[0])
        found.append((carrier, hit.product.name, error, hit.tracking_url))
    own(_OWN_LAST)
    return found


def detect(raw: str) -> Detection:
    """Detect the carrier of a tracking number, checking its check digit where it has one.

    Never raises: hostile input (empty, very long, control characters) comes back ``invalid``
    with the reason.
    """
    try:
        number = clean_tracking_number(raw)
    except InvalidInput as exc:
        return Detection(number=str(raw)[:40], status="invalid", reason=str(exc))
    return _detect(number)


@lru_cache(maxsize=4096)
def _detect(number: str) -> Detection:
    matches = _matches(number)
    valid = [m for m in matches if not m[2]]
    if valid:
        carrier, product, _, package_url = valid[0]
        others = tuple(dict.fromkeys(m[0] for m in valid[1:] if m[0] != carrier))
        url = carrier_url(carrier, number) or package_url
        return Detection(number, "valid", carrier, product, alternatives=others, url=url)
    if matches:
        carrier, product, error, _ = matches[0]
        what = (
            "its check digit does not match"
            if error == "check digit"
            else f"its {error.lower()} is not one {carrier} uses"
        )
        return Detection(
            number,
            "invalid",
            carrier,
            product,
            reason=f"{number} looks like a {carrier} number, but {what}",
        )
    return Detection(number, "unknown")


def guess_carrier(tracking_number: str) -> str | None:
    """The carrier a valid tracking number most likely belongs to, or None."""
    found = detect(tracking_number)
    return found.carrier if found.status == "valid" else None


# Each carrier's own public tracking page; {} is the tracking number.
_TRACKING_PAGES = {
    "ups": "https://www.ups.com/track?tracknum={}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={}",
    "dhl": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={}",
    "dhl express": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={}",
    "dhl paket": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={}",
    "deutsche post": "https://www.deutschepost.de/de/s/sendungsverfolgung.html?piececode={}",
    "dhl parcel": "https://www.dhlparcel.nl/en/consumer/track-and-trace?tt={}",
    "postnl": "https://jouw.postnl.nl/track-and-trace/{}",
    "royal mail": "https://www.royalmail.com/track-your-item#/tracking-results/{}",
    "evri": "https://www.evri.com/track/parcel/{}",
    "hermes": "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation/#{}",
    "dpd": "https://tracking.dpd.de/status/en_US/parcel/{}",
    "gls": "https://gls-group.com/track/{}",
    "colissimo": "https://www.laposte.fr/outils/suivre-vos-envois?code={}",
    "la poste": "https://www.laposte.fr/outils/suivre-vos-envois?code={}",
    "chronopost": "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={}",
    "correos": "https://www.correos.es/es/en/tools/tracker/items/details?tracking-number={}",
    "inpost": "https://inpost.pl/sledzenie-przesylek?number={}",
    "canada post": "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={}",
    "australia post": "https://auspost.com.au/mypost/track/details/{}",
    "bpost": "https://track.bpost.cloud/btr/web/#/search?itemCode={}",
    "swiss post": "https://service.post.ch/ekp-web/ui/entry/shipping/1/{}",
    "postnord": "https://www.postnord.com/track-and-trace/{}",
    "poste italiane": "https://www.poste.it/cerca/index.html#/risultati-spedizioni/{}",
    "austrian post": "https://www.post.at/s/sendungsdetails?snr={}",
    "ontrac": "https://www.ontrac.com/tracking/?number={}",
    "amazon logistics": "https://track.amazon.com/tracking/{}",
}


def carrier_url(carrier: str, tracking_number: str) -> str | None:
    """The carrier's own tracking page for this parcel, if shopdesk knows it."""
    template = _TRACKING_PAGES.get(carrier.strip().casefold())
    return template.format(quote(tracking_number, safe="")) if template else None
