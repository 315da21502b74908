"""Tracking numbers: clean-up, carrier detection with check digits, public tracking pages.

Detection uses the maintained data set of the ``tracking-numbers`` package (UPS, USPS, FedEx,
DHL Express, UPU S10 postal numbers, Amazon, OnTrac, …) plus a thin layer of our own for the
European carriers it lacks (DHL Paket, PostNL, DPD, GLS, Hermes) and for the carrier names
shopdesk uses. A detection is a guess only: the owner can always name the carrier.

Precedence, decided by check digits and never by a guess: a format whose check digit is right
wins over a format that has no check digit at all; a wrong check digit in one format does not
make a number invalid when another carrier's format (without a check digit) fits it. So a
12-digit GLS number that fails FedEx's check is GLS, and a bare 14-digit number (DPD without
its check character, or Hermes) is ``unknown`` with both carriers as ``alternatives``.

Three outcomes, kept apart on purpose:

- ``valid``: the number has a known carrier's format and its check digit (if the format has
  one) is right. The carrier may still have no information yet — that is the pollers'
  "not found yet", never decided here.
- ``invalid``: not a tracking number at all, or a known format whose check digit is wrong (a
  typo, most likely).
- ``unknown``: well-formed, but no single carrier can be named: none writes numbers like it,
  or several do and nothing tells them apart (``alternatives`` lists them).
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
        alternatives: other carriers whose valid format the number also fits (for
            ``unknown``: every carrier it could be).
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


_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mod37_36(text: str) -> str:
    """The ISO 7064 MOD 37,36 check character of ``text`` (digits and upper-case letters).

    The hybrid system with M = 36: start at 36; for each character add its value (A = 10 …
    Z = 35) mod 36 (0 counts as 36), double it mod 37; the check character brings the last
    product to 1.
    """
    product = 36
    for char in text:
        total = (product + _ALNUM.index(char)) % 36 or 36
        product = total * 2 % 37
    return _ALNUM[(37 - product) % 36]


_DPD_CHECKED = re.compile(r"\d{14}[0-9A-Z]")


def _dpd_ok(number: str) -> bool:
    """DPD: 14-digit parcel number + its MOD 37,36 check character (printed after it)."""
    return mod37_36(number[:14]) == number[14]


@dataclass(frozen=True, slots=True)
class _Rule:
    carrier: str
    product: str
    pattern: re.Pattern[str]
    check: Callable[[str], bool] | None = None  # None: the format has no check digit


# Checked rules for prefixes only one carrier uses: they run first, and no other verdict counts.
# DHL Paket piece codes are SSCCs with DHL's GS1 prefix: 340433 on production labels, 340434
# on the numbers DHL publishes for its sandbox (also seen on live parcels).
_OWN_FIRST = (_Rule("DHL Paket", "SSCC", re.compile(r"00(?:340433|340434)\d{12}"), _gs1_ok),)
# The rest run after the package's definitions.
_OWN_LAST = (
    _Rule("DHL Paket", "JJD", re.compile(r"JJD\d{8,24}")),
    _Rule("DHL Parcel", "JVGL", re.compile(r"JVGL\d{8,24}")),
    _Rule("PostNL", "3S", re.compile(r"3S[A-Z]{4}\d{5,11}")),
    _Rule("DPD", "parcel number + check character", _DPD_CHECKED, _dpd_ok),
    _Rule("DPD", "parcel number", re.compile(r"\d{14}")),
    _Rule("Hermes", "parcel number", re.compile(r"\d{14}|H\d{19}")),
    # GLS publishes no check-digit algorithm for its parcel numbers: format only.
    _Rule("GLS", "parcel number", re.compile(r"\d{11,12}")),
)


@lru_cache(maxsize=1)
def _definitions() -> tuple[object, ...]:
    from tracking_numbers import DEFINITIONS  # builds ~20 compiled regexes: load when needed

    return tuple(DEFINITIONS)


@dataclass(frozen=True, slots=True)
class _Match:
    carrier: str
    product: str
    error: str  # "" when the number fits; "check digit" or what else is wrong
    checked: bool  # the format has a check digit (and so the fit means more)
    url: str | None = None  # the package's tracking URL, if any


def _matches(number: str) -> list[_Match]:
    """Every format the number fits, in the order they are tried."""
    found: list[_Match] = []

    def own(rules: tuple[_Rule, ...]) -> None:
        for rule in rules:
            if rule.pattern.fullmatch(number):
                ok = rule.check is None or rule.check(number)
                error = "" if ok else "check digit"
                found.append(_Match(rule.carrier, rule.product, error, rule.check is not None))

    own(_OWN_FIRST)
    if found:  # a prefix only one carrier uses: no other format's verdict counts
        return found
    for definition in _definitions():
        code = definition.courier.code  # type: ignore[attr-defined]
        carrier = (
            _S10_POSTS.get(number[-2:], "Postal service")
            if code == "s10"
            else _COURIERS.get(code, definition.courier.name)  # type: ignore[attr-defined]
        )
        product = definition.product.name  # type: ignore[attr-defined]
        checked = definition.checksum_validator is not None  # type: ignore[attr-defined]
        try:
            hit = definition.test(number)  # type: ignore[attr-defined]
        except ValueError:  # tracking-numbers 0.1.8 raises on a letter where its check digit goes
            found.append(_Match(carrier, product, "check digit", checked))
            continue
        if hit is None:
            continue
        errors = [name for name, _ in hit.validation_errors]
        error = "" if not errors else ("check digit" if "checksum" in errors else errors[0])
        found.append(_Match(carrier, product, error, checked, hit.tracking_url))
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
    fits = [m for m in matches if not m.error]
    checked = [m for m in fits if m.checked]
    carriers = tuple(dict.fromkeys(m.carrier for m in checked + fits))
    if checked or len(carriers) == 1:
        best = (checked or fits)[0]
        url = carrier_url(best.carrier, number) or best.url
        others = carriers[1:]
        return Detection(number, "valid", best.carrier, best.product, alternatives=others, url=url)
    if carriers:  # several formats without a check digit fit: nothing tells them apart
        return Detection(
            number,
            "unknown",
            reason=f"{number} fits the formats of {' and '.join(carriers)}, which have no "
            "check digit to tell them apart: name the carrier",
            alternatives=carriers,
        )
    if matches:
        first = matches[0]
        what = (
            "its check digit does not match"
            if first.error == "check digit"
            else f"its {first.error.lower()} is not one {first.carrier} uses"
        )
        return Detection(
            number,
            "invalid",
            first.carrier,
            first.product,
            reason=f"{number} looks like a {first.carrier} number, but {what}",
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
    key = carrier.strip().casefold()
    template = _TRACKING_PAGES.get(key)
    if not template:
        return None
    number = tracking_number
    if key == "dpd" and _DPD_CHECKED.fullmatch(number) and _dpd_ok(number):
        number = number[:14]  # DPD's page takes the parcel number without its check character
    return template.format(quote(number, safe=""))
