"""Turn a :class:`Message` into the text one channel sends: Jinja2 layout, catalog wording.

Wording lives in one JSON catalog per locale (``locales/<lang>.json``: ``text`` with
``str.format`` placeholders, ``date`` with the locale's date pattern and names); layout lives in
one template per channel (``templates/email.html``, ``email.txt``, ``sms.txt``, ``chat.md``).
A shop overrides a template by putting a file of the same name in its ``override_dir``.

Templates see the message as ``m`` (and ``shop``), ``t(key, **values)`` for any catalog text, and
these ready-made strings, each "" when it does not apply: ``title``, ``greeting``,
``greeting_short`` (first name known), ``headline`` (what happened, one sentence), ``detail``,
``estimate`` (the delivery window in a sentence; ``estimate_short`` for SMS), ``tracking_line``,
``status_line``, plus ``kind``, ``lang`` and ``color`` (the shop's primary colour, validated),
``link`` with ``link_text`` (the page the message points to: the order's tracking page, or for
a return message the return's own page) and ``facts`` (a return message's sentences: its RMA,
the shop's reason, the refund's amount, method and when it should show on the statement, …).
``sms.txt`` also gets ``show_greeting``, ``show_shop`` and ``show_estimate``: the SMS is rendered
with fewer of them until it fits one segment, and its whitespace is collapsed to single spaces.

Kind ``test`` names no order: its headline introduces the shop instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jinja2

from shopdesk.notify.message import (
    CHANNEL_KINDS,
    KINDS,
    RETURN_KINDS,
    Message,
    Rendered,
    ReturnFacts,
)
from shopdesk.notify.sms import segments, to_gsm7

try:  # Babel is optional: the catalogs carry the same names for the fallback
    from babel.dates import format_date as _babel_format_date
except ImportError:  # pragma: no cover - depends on the environment
    _babel_format_date = None

__all__ = [
    "Catalog",
    "catalog",
    "environment",
    "format_amount",
    "format_day",
    "format_day_fallback",
    "format_window",
    "locales",
    "markdown_escape",
    "markdown_url",
    "render",
]

TEMPLATES = Path(__file__).with_name("templates")
LOCALES = Path(__file__).with_name("locales")
DEFAULT_LOCALE = "en"
TEMPLATE = {"email": "email.html", "sms": "sms.txt", "chat": "chat.md"}
EMAIL_TEXT = "email.txt"
DEFAULT_COLOR = "#1f6feb"
# Kinds after which a delivery estimate means nothing.
NO_ESTIMATE = frozenset({"delivered", "returned_to_sender", "test"}) | RETURN_KINDS
# SMS variants, fullest first: (greeting, shop name, estimate). The estimate is an extra an
# SMS drops first, except in a delay notice, where the new estimate is the news.
SMS_VARIANTS = (
    (True, True, True),
    (False, True, True),
    (False, True, False),
    (False, False, False),
)
SMS_VARIANTS_DELAYED = (
    (True, True, True),
    (False, True, True),
    (False, False, True),
    (False, False, False),
)

_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_DATE_TOKEN = re.compile(r"EEE|MMM|d")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_NUMBERS = MappingProxyType({"decimal": ".", "group": ","})


@dataclass(frozen=True, slots=True)
class Catalog:
    """One locale's wording and date names."""

    locale: str
    texts: Mapping[str, str]
    dates: Mapping[str, Any]
    numbers: Mapping[str, str] = field(default_factory=lambda: _NUMBERS)

    def t(self, key: str, /, **values: object) -> str:
        """The text for ``key`` with ``values`` filled in."""
        return self.texts[key].format(**values)

    def get(self, key: str, /, **values: object) -> str:
        """Like :meth:`t`, but "" for a key the catalog lacks."""
        return self.t(key, **values) if key in self.texts else ""


@lru_cache(maxsize=1)
def locales() -> tuple[str, ...]:
    """The locales a catalog ships for, e.g. ``("de", "en", "es", "fr", "nl")``."""
    return tuple(sorted(path.stem for path in LOCALES.glob("*.json")))


def catalog(locale: str) -> Catalog:
    """The catalog for ``locale`` (``de``, ``de-AT``, ``fr_CH``, ...), English if there is none.

    Keys a locale lacks fall back to English, so a half-translated catalog still renders.
    """
    lang = locale.replace("_", "-").split("-", 1)[0].strip().lower()
    return _load(lang if lang in locales() else DEFAULT_LOCALE)


@cache
def _load(lang: str) -> Catalog:
    data = json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))
    if lang == DEFAULT_LOCALE:
        return Catalog(lang, data["text"], data["date"], data.get("number", _NUMBERS))
    return Catalog(
        lang,
        {**_load(DEFAULT_LOCALE).texts, **data["text"]},
        data["date"],
        data.get("number", _NUMBERS),
    )


def format_day(day: date, cat: Catalog) -> str:
    """``day`` as the locale writes a short date with weekday ("Tue 2 Dec", "Di., 2. Dez.").

    Uses Babel when it is installed, otherwise the catalog's own names (which match Babel's).
    """
    if _babel_format_date is not None:
        return _babel_format_date(day, cat.dates["pattern"], locale=cat.dates["babel_locale"])
    return format_day_fallback(day, cat)


def format_day_fallback(day: date, cat: Catalog) -> str:
    """:func:`format_day` from the catalog's weekday and month names alone."""
    names = {
        "EEE": cat.dates["weekdays"][day.weekday()],
        "MMM": cat.dates["months"][day.month - 1],
        "d": str(day.day),
    }
    return _DATE_TOKEN.sub(lambda match: names[match.group()], cat.dates["pattern"])


def format_amount(minor: int, currency: str, locale: str) -> str:
    """Money as the locale writes it, with the currency code: "1,234.50 EUR" in English,
    "1.234,50 EUR" in German."""
    from shopdesk.parsing import minor_exponent

    numbers = catalog(locale).numbers
    exponent = minor_exponent(currency)
    whole, _, fraction = f"{abs(minor) / 10**exponent:,.{exponent}f}".partition(".")
    text = whole.replace(",", numbers["group"])
    if fraction:
        text += numbers["decimal"] + fraction
    return f"{'-' if minor < 0 else ''}{text} {currency}"


@lru_cache(maxsize=4096)
def format_window(start: date, end: date, locale: str) -> str:
    """A delivery window for ``locale``: two days joined by the catalog's ``window`` text
    ("Tue 2 Dec", a dash, "Thu 4 Dec"), or a single day if ``start == end``."""
    cat = catalog(locale)
    if start == end:
        return format_day(start, cat)
    return cat.t("window", start=format_day(start, cat), end=format_day(end, cat))


@lru_cache(maxsize=64)
def environment(override_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja environment for a shop's ``override_dir`` (cached: one per directory).

    Templates in ``override_dir`` win over the shipped ones; ``.html`` is autoescaped.
    """
    loaders: list[jinja2.BaseLoader] = []
    if override_dir is not None:
        loaders.append(jinja2.FileSystemLoader(override_dir))
    loaders.append(jinja2.FileSystemLoader(TEMPLATES))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "htm"], default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = markdown_escape
    env.filters["md_url"] = markdown_url
    return env


def markdown_escape(value: object) -> str:
    """``value`` with Markdown's active characters backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def markdown_url(url: object) -> str:
    """``url`` made safe inside a Markdown link's parentheses."""
    return str(url).replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def render(message: Message, channel: str, *, override_dir: Path | None = None) -> Rendered:
    """Render ``message`` for one channel.

    Args:
        message: What to tell the customer.
        channel: One of :data:`CHANNEL_KINDS`: "email", "sms" or "chat".
        override_dir: The shop's template directory (``<data dir>/templates/``), if any.

    Returns:
        Email: HTML body with ``text`` the plain-text alternative. SMS: plain text, ``body ==
        text``, with ``segments`` filled. Chat: short Markdown.

    Raises:
        ValueError: For an unknown kind or channel.
        jinja2.TemplateError: For a broken (override) template.
    """
    if message.kind not in KINDS:
        raise ValueError(f"unknown message kind {message.kind!r}; one of: {', '.join(KINDS)}")
    if channel not in CHANNEL_KINDS:
        raise ValueError(f"unknown channel {channel!r}; one of: {', '.join(CHANNEL_KINDS)}")
    env = environment(override_dir)
    context = _context(message)
    title = context["title"]
    if channel == "email":
        html = env.get_template(TEMPLATE["email"]).render(context)
        text = env.get_template(EMAIL_TEXT).render(context).strip() + "\n"
        return Rendered(title=title, body=html, body_format="html", text=text)
    if channel == "chat":
        body = env.get_template(TEMPLATE["chat"]).render(context).strip()
        return Rendered(title=title, body=body, body_format="markdown", text=body)
    sms = _sms(env.get_template(TEMPLATE["sms"]), context)
    return Rendered(title=title, body=sms, body_format="text", text=sms, segments=segments(sms))


def _context(message: Message) -> dict[str, Any]:
    cat = catalog(message.locale)
    kind = message.kind
    values = {"order": message.order_number, "parcels": message.parcels, "shop": message.shop.name}
    estimate = estimate_short = ""
    if message.estimate and kind not in NO_ESTIMATE:
        window = format_window(*message.estimate, cat.locale)
        key = "estimate.new" if kind == "delayed" else "estimate"
        estimate = cat.t(key, window=window)
        estimate_short = cat.t(f"{key}.short", window=window)
    elif kind == "delayed":
        estimate = cat.t("estimate.unknown")
    name = message.first_name.strip()
    color = message.shop.primary_color.strip()
    ret = message.ret
    if ret is not None:
        values.update(rma=ret.rma, amount=_amount(ret, cat))
    else:
        values.update(rma="", amount="")
    link_text = cat.t("track")
    if ret is not None and ret.url:
        link, link_text = ret.url, cat.t("return.view")
    else:
        link = message.tracking_url
    return {
        "m": message,
        "shop": message.shop,
        "kind": kind,
        "lang": cat.locale,
        "t": cat.t,
        "title": " ".join(cat.t(f"{kind}.title", **values).split()),
        "greeting": cat.t("greeting", name=name) if name else cat.t("greeting.anonymous"),
        "greeting_short": cat.t("greeting.short", name=name) if name else "",
        "headline": cat.t(_headline_key(message, cat), **values),
        "detail": cat.get(f"{kind}.detail"),
        "estimate": estimate,
        "estimate_short": estimate_short,
        "tracking_line": cat.t("tracking_number", number=message.tracking_number)
        if message.tracking_number
        else "",
        "status_line": cat.t("status", status=message.status_text.strip())
        if message.status_text.strip()
        else "",
        "color": color if _COLOR.fullmatch(color) else DEFAULT_COLOR,
        "link": link,
        "link_text": link_text,
        "facts": _return_facts(kind, ret, cat) if ret is not None else (),
    }


def _amount(ret: ReturnFacts, cat: Catalog) -> str:
    if ret.amount_minor is None:
        return ""
    return format_amount(ret.amount_minor, ret.currency, cat.locale)


def _return_facts(kind: str, ret: ReturnFacts, cat: Catalog) -> tuple[str, ...]:
    """The sentences a return message adds for its step: what, how much, by when."""
    facts = [cat.t("return.code", rma=ret.rma)]
    if kind == "return_rejected" and ret.rejection_reason.strip():
        facts.append(cat.t("return.reason", reason=ret.rejection_reason.strip()))
    elif kind == "return_approved":
        if ret.send_by:
            facts.append(cat.t("return.send_by", date=format_day(ret.send_by, cat)))
        facts.append(cat.t("return.instructions"))
    elif kind == "return_in_transit" and ret.tracking_number:
        facts.append(cat.t("return.parcel", number=ret.tracking_number, carrier=ret.carrier or "—"))
    elif kind == "refund_issued" and ret.amount_minor is not None:
        method = f"method.{ret.refund_method}"
        facts.append(
            cat.t(
                "return.refund",
                amount=_amount(ret, cat),
                method=cat.t(method) if method in cat.texts else ret.refund_method,
            )
        )
        if ret.refund_expected:
            start, end = ret.refund_expected
            facts.append(
                cat.t("return.expected_day", date=format_day(end, cat))
                if start == end
                else cat.t(
                    "return.expected", start=format_day(start, cat), end=format_day(end, cat)
                )
            )
    elif kind == "store_credit_issued" and ret.amount_minor is not None:
        facts.append(cat.t("return.credit", amount=_amount(ret, cat)))
    if kind in ("exchange_sent", "store_credit_issued", "refund_issued") and ret.note.strip():
        facts.append(cat.t("return.note", note=ret.note.strip()))
    return tuple(facts)


def _headline_key(message: Message, cat: Catalog) -> str:
    if message.kind == "exception":  # the reason is the news: one sentence per reason
        key = f"reason.{message.reason}"
        return key if key in cat.texts else "reason.other"
    if (
        message.ret is not None
        and message.ret.amount_minor is not None
        and f"{message.kind}.amount" in cat.texts
    ):  # a refund or credit: the sum is news
        return f"{message.kind}.amount"
    if message.parcels > 1 and f"{message.kind}.many" in cat.texts:
        return f"{message.kind}.many"
    return f"{message.kind}.one"


def _sms(template: jinja2.Template, context: dict[str, Any]) -> str:
    """The fullest SMS that fits one segment, else the one with fewest segments.

    Drops the greeting, then the estimate (for "delayed": the shop name), then the rest of the
    optional words; folds accents GSM-7 lacks before dropping more. The order number, the
    sentence and the tracking link always stay whole.
    """
    best, best_segments = "", 0
    seen: set[str] = set()
    variants = SMS_VARIANTS_DELAYED if context["kind"] == "delayed" else SMS_VARIANTS
    for greeting, shop, estimate in variants:
        raw = template.render(
            context, show_greeting=greeting, show_shop=shop, show_estimate=estimate
        )
        text = " ".join(raw.split())
        for candidate in (text, to_gsm7(text)):
            if candidate in seen:
                continue
            seen.add(candidate)
            count = segments(candidate)
            if count <= 1:
                return candidate
            if not best or count < best_segments:
                best, best_segments = candidate, count
    return best
