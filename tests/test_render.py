"""Customer notification rendering: templates, catalogs, dates and SMS segments."""

from __future__ import annotations

import json
import string
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from shopdesk.notify import render as render_module
from shopdesk.notify.message import CHANNEL_KINDS, KINDS, Message, Shop
from shopdesk.notify.render import (
    LOCALES,
    catalog,
    environment,
    format_day_fallback,
    format_window,
    locales,
    render,
)
from shopdesk.notify.sms import is_gsm7, segments, to_gsm7
from shopdesk.tracking.normalize import REASONS

TOKEN = "Zx9_" + "k" * 39  # 43 characters, like a real tracking token
TRACKING_URL = f"https://shop.example/t/{TOKEN}"
SHOP = Shop(
    name="My Shop",
    public_url="https://shop.example",
    support_email="help@shop.example",
    support_phone="+49 30 1234567",
    logo="https://shop.example/logo.png",
)
WINDOW = (date(2025, 12, 2), date(2025, 12, 4))  # Tue – Thu
ALL_LOCALES = ("en", "de", "fr", "es", "nl")


def message(kind: str = "shipped", locale: str = "en", **changes: object) -> Message:
    base = Message(
        kind=kind,
        locale=locale,
        shop=SHOP,
        order_number="1001",
        first_name="Anna",
        tracking_url=TRACKING_URL,
        unsubscribe_url="https://shop.example/u/unsub-token",
        carrier="DHL",
        tracking_number="JJD0001234",
        estimate=WINDOW,
        reason="customs",
        status_text="Arrived at the sorting centre",
        items=(("Mug", 2),),
    )
    return replace(base, **changes)


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


# --- every kind, channel and locale -------------------------------------------------------


@pytest.mark.parametrize("locale", ALL_LOCALES)
@pytest.mark.parametrize("channel", CHANNEL_KINDS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_channel_locale_renders(kind: str, channel: str, locale: str) -> None:
    out = render(message(kind, locale), channel)

    assert out.title and out.body and out.text
    assert TRACKING_URL in out.body and TRACKING_URL in out.text
    if kind == "test":  # by design: a channel check names the shop, not an order
        assert "1001" not in out.text and SHOP.name in out.text
    else:
        assert "1001" in out.title and "1001" in out.text
    expected = {"email": "html", "sms": "text", "chat": "markdown"}[channel]
    assert out.body_format == expected
    if channel == "sms":
        assert out.body == out.text and out.segments == segments(out.text) >= 1
    else:
        assert out.segments == 0
    if channel == "email":
        assert "https://shop.example/u/unsub-token" in out.body
        assert "https://shop.example/u/unsub-token" in out.text
        assert f'lang="{locale}"' in out.body


@pytest.mark.parametrize("parcels", [1, 3])
def test_digest_parcels_render_in_every_locale(parcels: int) -> None:
    for locale in ALL_LOCALES:
        for kind in KINDS:
            assert (
                "1001" in render(message(kind, locale, parcels=parcels), "chat").text
                or kind == "test"
            )


def test_unknown_kind_or_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        render(message("teleported"), "email")
    with pytest.raises(ValueError, match="channel"):
        render(message(), "pigeon")


# --- wording ------------------------------------------------------------------------------


def test_natural_wording_per_locale() -> None:
    assert "Ihre Bestellung 1001 ist unterwegs" in render(message("shipped", "de"), "email").title
    assert "Votre commande 1001 a été expédiée" in render(message("shipped", "fr"), "sms").text
    assert "Tu pedido 1001" in render(message("shipped", "es"), "chat").text
    assert "Je bestelling 1001 is onderweg" in render(message("shipped", "nl"), "email").title


def test_greeting_uses_first_name_when_known() -> None:
    assert "Hi Anna," in render(message(), "email").text
    assert "Hallo Anna," in render(message(locale="de"), "email").text
    anonymous = render(message(first_name=""), "email").text
    assert anonymous.startswith("Hello,") and "Anna" not in anonymous
    assert "Anna" not in render(message(first_name="  "), "chat").text


def test_digest_wording_for_two_parcels() -> None:
    assert "Your 2 parcels" in render(message("shipped", parcels=2), "email").text
    assert "Your 2 parcels" in render(message("delivered", parcels=2), "sms").text
    assert "Ihre 2 Pakete" in render(message("out_for_delivery", "de", parcels=2), "chat").text
    assert "les 2 colis" in render(message("delivered", "fr", parcels=2), "email").text.lower()
    assert "parcels" not in render(message("shipped", parcels=1), "email").text


def test_exception_reason_in_plain_words() -> None:
    texts = {
        reason: render(message("exception", reason=reason), "email").text for reason in REASONS
    }
    assert "held at customs" in texts["customs"]
    assert "address" in texts["address"]
    assert "damaged" in texts["damaged"]
    assert "lost track" in texts["lost"]
    assert "refused" in texts["refused"]
    assert "weather" in texts["weather"]
    assert "needs something from you" in texts["action_required"]
    assert "held up in transit" in texts["delayed"]
    assert len(set(texts.values())) == len(REASONS)
    # an unknown or missing reason still says something true
    for reason in (None, "meteor", "title"):
        assert (
            "problem with the delivery" in render(message("exception", reason=reason), "sms").text
        )


def test_delayed_apologises_and_gives_the_new_estimate() -> None:
    out = render(message("delayed"), "email").text
    assert "sorry" in out.lower()
    assert "New estimated delivery: Tue 2 Dec – Thu 4 Dec" in out
    sms = render(message("delayed"), "sms").text
    assert (
        sms == f"My Shop: We're sorry, your order 1001 is running late. "
        f"New date: Tue 2 Dec - Thu 4 Dec {TRACKING_URL}"
    )
    unknown = render(message("delayed", estimate=None), "email").text
    assert "as soon as there's a new delivery date" in unknown


def test_estimate_only_where_it_means_something() -> None:
    assert "Estimated delivery: Tue 2 Dec – Thu 4 Dec" in render(message("shipped"), "email").text
    assert "Estimated delivery" not in render(message("delivered"), "email").text
    assert "Estimated delivery" not in render(message("shipped", estimate=None), "email").text


def test_unknown_locale_falls_back_to_english() -> None:
    assert render(message(locale="pt"), "email").title == "Your order 1001 is on its way"
    assert render(message(locale=""), "sms").text == render(message(), "sms").text
    assert render(message(locale="de-AT"), "email").title == "Ihre Bestellung 1001 ist unterwegs"
    assert render(message(locale="FR_ca"), "email").title.startswith("Votre commande")
    assert catalog("xx").locale == "en"


# --- email --------------------------------------------------------------------------------


def test_email_is_branded_and_self_contained() -> None:
    shop = replace(SHOP, primary_color="#ff6600")
    out = render(message(shop=shop), "email")
    assert out.title == "Your order 1001 is on its way"
    assert "#ff6600" in out.body and 'src="https://shop.example/logo.png"' in out.body
    assert "mailto:help@shop.example" in out.body and "tel:+49301234567" in out.body
    assert "<script" not in out.body and "<link" not in out.body and "@import" not in out.body
    assert "2 × Mug" in out.body and "2 × Mug" in out.text
    assert "JJD0001234 (DHL)" in out.text


def test_no_unsubscribe_link_without_a_url() -> None:
    for channel in ("email", "chat"):
        out = render(message(unsubscribe_url=""), channel)
        assert "Unsubscribe" not in out.body and "Unsubscribe" not in out.text
        assert 'href=""' not in out.body and "]()" not in out.body


def test_email_without_logo_shows_the_shop_name() -> None:
    out = render(message(shop=replace(SHOP, logo="")), "email")
    assert "<img" not in out.body and ">My Shop</span>" in out.body


def test_html_escapes_hostile_values() -> None:
    evil = "<script>alert(1)</script>"
    shop = replace(SHOP, name=evil, primary_color="red;background:url(https://evil.example)")
    out = render(message(shop=shop, first_name=evil, items=((evil, 1),), status_text=evil), "email")
    assert "<script>" not in out.body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out.body
    assert "evil.example" not in out.body  # an invalid colour falls back to the default
    assert "#1f6feb" in out.body
    assert "\n" not in render(message("test", shop=replace(SHOP, name="A\nB")), "email").title


def test_chat_escapes_markdown_in_names() -> None:
    out = render(message(first_name="*Anna*", shop=replace(SHOP, name="[x](https://evil)")), "chat")
    assert r"\*Anna\*" in out.body
    assert "<script>" not in render(message(first_name="<script>"), "chat").body
    assert f"]({TRACKING_URL})" in out.body


# --- overrides ----------------------------------------------------------------------------


def test_override_dir_file_wins(tmp_path: Path) -> None:
    (tmp_path / "sms.txt").write_text(
        "{{ shop.name }} custom {{ m.order_number }} {{ m.tracking_url }}", encoding="utf-8"
    )
    (tmp_path / "email.html").write_text(
        "<p>{{ t('track') }}: {{ m.first_name }}</p>", encoding="utf-8"
    )
    sms = render(message(), "sms", override_dir=tmp_path)
    assert sms.text == f"My Shop custom 1001 {TRACKING_URL}"
    email = render(message(first_name="<b>"), "email", override_dir=tmp_path)
    assert email.body == "<p>Track your order: &lt;b&gt;</p>"  # overrides are autoescaped too
    assert "Hi <b>," in email.text  # email.txt was not overridden: the shipped one renders
    assert render(message(), "sms").text != sms.text  # other shops are unaffected


def test_environment_is_cached_per_override_dir(tmp_path: Path) -> None:
    assert environment(tmp_path) is environment(tmp_path)
    assert environment(None) is environment(None)
    assert environment(tmp_path) is not environment(None)


def test_missing_override_dir_uses_shipped_templates(tmp_path: Path) -> None:
    out = render(message(), "email", override_dir=tmp_path / "nope")
    assert out.title == "Your order 1001 is on its way"


# --- SMS ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_english_sms_fits_one_segment(kind: str) -> None:
    for parcels in (1, 2):
        out = render(message(kind, parcels=parcels), "sms")
        assert out.segments == 1, out.text
        assert is_gsm7(out.text), out.text
        assert out.text.split()[-1] == TRACKING_URL, out.text  # whole, and a word of its own


@pytest.mark.parametrize("reason", REASONS)
def test_english_exception_sms_fits_one_segment(reason: str) -> None:
    out = render(message("exception", reason=reason), "sms")
    assert out.segments == 1 and out.text.startswith("My Shop: "), out.text


def test_sms_keeps_optional_words_when_there_is_room() -> None:
    out = render(message("delivered"), "sms").text
    assert out == f"My Shop: Hi Anna! Your order 1001 has been delivered. {TRACKING_URL}"


def test_sms_drops_greeting_then_shop_name_never_the_link() -> None:
    long_shop = replace(SHOP, name="The Very Long Name Of A Small Family Run Tea Shop")
    out = render(message("out_for_delivery", shop=long_shop), "sms")
    assert out.segments == 1
    assert "Anna" not in out.text and long_shop.name not in out.text
    assert out.text.endswith(TRACKING_URL) and "1001" in out.text

    long_url = "https://shop.example/t/" + "x" * 200
    out = render(message(tracking_url=long_url), "sms")
    assert long_url in out.text and out.segments == segments(out.text) > 1


def test_sms_folds_accents_only_when_that_makes_it_fit() -> None:
    es = render(message("shipped", "es"), "sms")
    assert es.segments == 1 and "esta en camino" in es.text  # "está" would force UCS-2
    short = render(
        message(
            "shipped",
            "es",
            tracking_url="https://s.ex/1",
            first_name="",
            estimate=None,
            shop=replace(SHOP, name="S"),
        ),
        "sms",
    )
    assert short.text == "S: Tu pedido 1001 ya ha salido y está en camino. https://s.ex/1"
    assert short.segments == 1  # fits as UCS-2 (70): the accent stays


def test_segments_known_cases() -> None:
    assert segments("") == 0
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 153 * 2) == 2
    assert segments("a" * (153 * 2 + 1)) == 3
    assert segments("€" * 80) == 1  # 160 septets
    assert segments("€" + "a" * 159) == 2  # "€" takes 2 septets: 161
    assert segments("a" * 152 + "€" + "a" * 10) == 2  # escape pair not split: 152 | 2+10
    assert segments("a" * 152 + "€" + "a" * 152) == 3  # 152 | 2+151 | 1
    assert segments("ł" + "a" * 69) == 1  # UCS-2: 70 units
    assert segments("ł" + "a" * 70) == 2
    assert segments("😀" + "a" * 68) == 1  # an emoji is two UTF-16 units: 70
    assert segments("😀" + "a" * 69) == 2  # 71 units
    assert segments("😀" * 67) == 3  # 134 units, pairs never split: 33 per 67-unit segment
    assert segments("äöüßÄÖÜéèàñ" * 10) == 1  # all GSM-7 basic


def test_to_gsm7() -> None:
    assert to_gsm7("Tu pedido está en camino – ¡ya!") == "Tu pedido esta en camino - ¡ya!"
    assert to_gsm7("Müller façade “x”") == 'Müller facade "x"'
    assert to_gsm7("😀") == "😀"


# --- catalogs and dates -------------------------------------------------------------------


def test_locales_shipped() -> None:
    assert set(locales()) == set(ALL_LOCALES)


@pytest.mark.parametrize("locale", ALL_LOCALES)
def test_catalog_is_complete(locale: str) -> None:
    english = json.loads((LOCALES / "en.json").read_text(encoding="utf-8"))
    data = json.loads((LOCALES / f"{locale}.json").read_text(encoding="utf-8"))
    assert set(data) == {"date", "number", "text"}
    assert set(data["number"]) == {"decimal", "group"}
    assert data["number"]["decimal"] != data["number"]["group"]
    assert data["text"].keys() == english["text"].keys()
    for key, text in data["text"].items():
        assert text.strip(), key
        assert placeholders(text) == placeholders(english["text"][key]), key
    dates = data["date"]
    assert len(dates["weekdays"]) == 7 and len(dates["months"]) == 12
    assert dates["babel_locale"] and dates["pattern"]


def test_catalog_covers_every_kind_and_reason() -> None:
    texts = catalog("en").texts
    for kind in KINDS:
        assert f"{kind}.title" in texts
        assert f"{kind}.one" in texts or kind == "exception"
    for reason in REASONS:
        assert f"reason.{reason}" in texts


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Tue 2 Dec – Thu 4 Dec"),
        ("de", "Di., 2. Dez. – Do., 4. Dez."),
        ("fr", "mar. 2 déc. – jeu. 4 déc."),
        ("es", "mar, 2 dic – jue, 4 dic"),
        ("nl", "di 2 dec – do 4 dec"),
    ],
)
def test_estimate_formatting_per_locale(locale: str, expected: str) -> None:
    assert format_window(*WINDOW, locale) == expected
    cat = catalog(locale)
    fallback = cat.t(
        "window", start=format_day_fallback(WINDOW[0], cat), end=format_day_fallback(WINDOW[1], cat)
    )
    assert fallback == expected
    assert expected in render(message("shipped", locale), "email").text


def test_single_day_estimate() -> None:
    assert format_window(date(2025, 12, 5), date(2025, 12, 5), "de") == "Fr., 5. Dez."


def test_fallback_names_match_babel() -> None:
    babel_dates = pytest.importorskip("babel.dates")
    for locale in ALL_LOCALES:
        cat = catalog(locale)
        day = date(2025, 1, 1)
        for _ in range(365):
            expected = babel_dates.format_date(
                day, cat.dates["pattern"], locale=cat.dates["babel_locale"]
            )
            assert format_day_fallback(day, cat) == expected
            day += timedelta(days=1)


def test_dates_without_babel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_module, "_babel_format_date", None)
    format_window.cache_clear()
    try:
        assert format_window(*WINDOW, "de") == "Di., 2. Dez. – Do., 4. Dez."
    finally:
        format_window.cache_clear()
