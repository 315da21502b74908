"""Tracking numbers: clean-up and a best guess of the carrier from the number's shape.

A guess only: the owner can always name the carrier.
"""

from __future__ import annotations

import re

from shopdesk.errors import InvalidInput

# UPU S10 numbers (two letters, 8 digits + check digit, country) by issuing country.
_S10_POSTS = {
    "US": "USPS", "GB": "Royal Mail", "DE": "Deutsche Post", "NL": "PostNL", "FR": "La Poste",
    "BE": "bpost", "CA": "Canada Post", "AU": "Australia Post", "ES": "Correos",
    "IT": "Poste Italiane", "PL": "Poczta Polska", "CH": "Swiss Post", "AT": "Austrian Post",
    "SE": "PostNord", "DK": "PostNord", "JP": "Japan Post", "CN": "China Post",
}
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^1Z[0-9A-Z]{16}$"), "UPS"),
    (re.compile(r"^(?:94|93|92|95)\d{18,20}$"), "USPS"),
    (re.compile(r"^3S[0-9A-Z]{11,13}$"), "PostNL"),
    (re.compile(r"^(?:JJD|JVGL)\d{10,}$"), "DHL Parcel"),
    (re.compile(r"^00340\d{15}$"), "DHL Paket"),
    (re.compile(r"^\d{10}$"), "DHL Express"),
    (re.compile(r"^(?:\d{12}|\d{15}|\d{20}|\d{22})$"), "FedEx"),
)
_S10 = re.compile(r"^[A-Z]{2}(\d{8})(\d)([A-Z]{2})$")
_CLEAN = re.compile(r"[\s\-]")
_VALID = re.compile(r"^[A-Z0-9]{4,40}$")


def clean_tracking_number(raw: str) -> str:
    """Upper-cased, without spaces or dashes.

    Raises:
        InvalidInput: not 4-40 letters and digits.
    """
    cleaned = _CLEAN.sub("", str(raw)).upper()
    if not _VALID.match(cleaned):
        raise InvalidInput(f"tracking number {raw!r} must be 4-40 letters and digits")
    return cleaned


def guess_carrier(tracking_number: str) -> str | None:
    """The carrier a tracking number most likely belongs to, or None."""
    number = _CLEAN.sub("", tracking_number).upper()
    if (match := _S10.match(number)) and _s10_check(match.group(1)) == int(match.group(2)):
        return _S10_POSTS.get(match.group(3), "Postal service")
    for pattern, carrier in _PATTERNS:
        if pattern.match(number):
            return carrier
    return None


def _s10_check(serial: str) -> int:
    total = sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


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
}


def carrier_url(carrier: str, tracking_number: str) -> str | None:
    """The carrier's own tracking page for this parcel, if shopdesk knows it."""
    from urllib.parse import quote

    template = _TRACKING_PAGES.get(carrier.strip().casefold())
    return template.format(quote(tracking_number, safe="")) if template else None
