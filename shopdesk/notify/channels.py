"""Channels: Apprise URL templates filled per customer, and what kind of message each takes."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from shopdesk.config import Settings

SMS_SCHEMES = frozenset(
    {
        "twilio",
        "sns",
        "clicksend",
        "vonage",
        "nexmo",
        "messagebird",
        "msg91",
        "plivo",
        "sinch",
        "smseagle",
        "bulksms",
        "bulkvs",
        "d7sms",
        "kavenegar",
        "seven",
        "smsmgr",
        "burstsms",
        "signal",
        "whatsapp",
        "threema",
        "freemobile",
        "httpsms",
        "dapnet",
        "africas",
        "sms",
    }
)
EMAIL_SCHEMES = frozenset(
    {
        "mailto",
        "mailtos",
        "email",
        "sendgrid",
        "mailgun",
        "sparkpost",
        "ses",
        "resend",
        "brevo",
        "smtp2go",
        "office365",
    }
)


@dataclass(frozen=True, slots=True)
class Recipient:
    """What a channel template may use about one customer."""

    email: str | None
    phone: str  # E.164, or ""
    name: str
    order: str

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""


def channel_kind(name: str, url: str) -> str:
    """ "email", "sms" or "chat": which template a channel gets."""
    if name in ("email", "sms"):
        return name
    scheme = url.split("://", 1)[0].lower()
    if scheme in EMAIL_SCHEMES:
        return "email"
    return "sms" if scheme in SMS_SCHEMES else "chat"


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def fill(template: str, recipient: Recipient) -> str | None:
    """The channel URL for this customer, values URL-encoded; None if the customer lacks a value
    the template needs (no phone for an SMS channel, say)."""
    values = {
        "email": recipient.email or "",
        "phone": recipient.phone,
        "name": recipient.name,
        "first_name": recipient.first_name,
        "order": recipient.order,
    }
    needed = placeholders(template)
    if any(not values.get(field) for field in needed):
        return None
    return template.format_map({k: quote(v, safe="@+") for k, v in values.items()})


def e164(phone: str, country: str) -> str:
    """A phone number in E.164 (``+4930123456``), or "" if it is not a valid number."""
    import phonenumbers

    if not phone.strip():
        return ""
    try:
        parsed = phonenumbers.parse(phone, country or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def channels_for(settings: Settings, kind: str) -> tuple[str, ...]:
    """The channel names a milestone goes to: as configured, else every channel."""
    if kind in settings.milestone_channels:
        return settings.milestone_channels[kind]
    return tuple(settings.channels)


@lru_cache(maxsize=1)
def _country_zones() -> dict[str, str]:
    zones: dict[str, str] = {}
    table = Path("/usr/share/zoneinfo/zone.tab")
    if table.exists():
        for line in table.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                country, _, zone = line.split("\t")[:3]
                zones.setdefault(country, zone)
    return zones


def customer_zone(settings: Settings, timezone: str | None, country: str) -> str:
    """The customer's time zone: the order's, else their country's main zone, else the shop's."""
    return timezone or _country_zones().get(country) or settings.timezone
