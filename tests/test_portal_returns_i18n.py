"""Return pages in every language: the catalogs agree with English key for key and
placeholder for placeholder, the templates only use keys that exist, and a customer reading a
return's page or the return form in German, French, Spanish or Dutch sees no English."""

import html
import json
import re
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from portal.app import create_app
from portal.i18n import LOCALES
from shopdesk.models import Order, OrderItem
from shopdesk.notify.render import catalog as notify_catalog
from shopdesk.notify.render import format_amount, format_day
from shopdesk.services import orders, returns, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.services.shipments import NewEvent

PORTAL = Path(__file__).parent.parent / "portal"
CATALOGS = {
    lang: json.loads((PORTAL / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in LOCALES
}
RETURN_KEY = re.compile(r"^(returns?\.|resolution\.|method\.)")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", [lang for lang in LOCALES if lang != "en"])
def test_every_english_key_is_translated_with_the_same_placeholders(lang):
    english, other = CATALOGS["en"], CATALOGS[lang]
    assert sorted(set(english) - set(other)) == []
    assert sorted(set(other) - set(english)) == []
    for key, text in english.items():
        assert placeholders(other[key]) == placeholders(text), key
    # Translated, not copied: only brand names read the same in every language.
    untranslated = [k for k in english if RETURN_KEY.match(k) and other[k] == english[k]]
    assert untranslated == ["method.paypal"]


def test_return_templates_and_controller_use_only_keys_in_the_catalog():
    english = CATALOGS["en"]
    used = set()
    for name in ("return.html", "return_form.html", "base.html", "tracking.html"):
        used |= set(
            re.findall(r"""\bt\(["']([\w.]+)["']""", (PORTAL / "templates" / name).read_text())
        )
    used |= set(
        re.findall(
            r"""\bt\(["']([\w.]+)["']""", (PORTAL / "controllers" / "returns.py").read_text()
        )
    )
    assert "return.title" in used and "returns.error.other" in used
    prefixes = {key for key in used if key.endswith(".")}  # "return.status." ~ status
    assert {"return.status.", "return.step.", "resolution."} <= prefixes
    assert sorted(used - prefixes - set(english)) == []
    # Keys built from a value: every value the service can hold has its text.
    for status in returns.STATUSES:
        assert f"return.status.{status}" in english and f"return.step.{status}" in english
    for method in returns.REFUND_DAYS:
        assert f"method.{method}" in english
    for resolution in returns.RESOLUTIONS:
        assert f"resolution.{resolution}" in english
    service = (Path(returns.__file__)).read_text()
    codes = set(re.findall(r'code="(\w+)"', service)) | {"reason_missing", "reason_too_long"}
    codes -= {"reason"}
    for code in codes:
        assert f"returns.error.{code}" in english or f"returns.why_not.{code}" in english, code


@pytest.fixture
def settings(settings):
    from dataclasses import replace

    return replace(settings, non_returnable_skus=("GIFT-*",))


@pytest.fixture
async def client(db):
    app = create_app(db, csrf_secret="test-secret")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://shop.example"
    ) as client:
        yield client


async def delivered_order(number: str = "1001", *, deliver: bool = True) -> tuple[str, dict]:
    now = datetime.now(UTC)
    await orders.create_order(
        NewOrder(
            number=number,
            placed_at=now - timedelta(days=6),
            currency="EUR",
            email="ada@example.com",
            name="Ada Lovelace",
            country="DE",
            items=[
                NewItem("Stoneware mug", 2, 123450, "MUG-01"),
                NewItem("Gift card", 1, 2500, "GIFT-25"),
            ],
        )
    )
    tracking = f"JJD{number}000"
    await shipments.add_shipment(
        number, tracking, carrier="DHL", shipped_at=now - timedelta(days=5)
    )
    if deliver:
        await shipments.record_event(
            NewEvent(
                tracking_number=tracking, milestone="delivered", occurred_at=now - timedelta(days=2)
            )
        )
    order = await Order.get(number=number)
    ids = dict(await OrderItem.filter(order_id=order.id).values_list("sku", "id"))
    return order.token, ids


def english_only(lang: str) -> list[str]:
    """English return texts (without placeholders) that must not show on a page in ``lang``."""
    english, other = CATALOGS["en"], CATALOGS[lang]
    return [
        text
        for key, text in english.items()
        if RETURN_KEY.match(key) and "{" not in text and text != other[key] and len(text) > 6
    ]


def visible(page: str) -> str:
    """The page's text as a customer reads it (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("lang", LOCALES)
async def test_a_refunded_return_page_reads_in_each_language(client, db, lang):
    token, ids = await delivered_order()
    started = await returns.start_return(db, token, {ids["MUG-01"]: 2}, "Zu klein", "refund")
    await returns.approve(started.rma)
    await returns.add_return_tracking(started.rma, "DHL", "JJD000390007000111")
    await returns.mark_received(started.rma)
    done = await returns.refund(started.rma, 246900, "card")
    response = await client.get(f"/r/{started.token}?lang={lang}")
    assert response.status_code == 200
    page = visible(response.text)
    t = CATALOGS[lang]
    cat = notify_catalog(lang)
    assert f'<html lang="{lang}">' in response.text
    assert t["return.title"].format(rma=started.rma) in page
    assert t["return.status.refunded"] in page
    issued = format_day(done.refund_issued_at.astimezone(db.zone).date(), cat)
    assert (
        t["return.refund"].format(
            amount=format_amount(246900, "EUR", lang), method=t["method.card"], date=issued
        )
        in page
    )
    start, end = done.refund_expected
    assert (
        t["return.refund_expected"].format(start=format_day(start, cat), end=format_day(end, cat))
        in page
    )
    for step in ("requested", "approved", "in_transit", "received", "refunded"):
        assert t[f"return.step.{step}"] in page
    assert "2 × Stoneware mug" in page
    for text in english_only(lang) if lang != "en" else ():
        assert text not in page, text
    if lang == "de":
        assert "2.469,00 EUR" in page  # the German way of writing money


@pytest.mark.parametrize("lang", LOCALES)
async def test_the_return_form_and_its_errors_read_in_each_language(client, db, lang):
    token, ids = await delivered_order()
    t = CATALOGS[lang]
    form = await client.get(f"/t/{token}/return?lang={lang}")
    assert form.status_code == 200
    text = visible(form.text)
    for key in (
        "returns.reason",
        "returns.resolution",
        "resolution.store_credit",
        "returns.submit",
        "returns.not_returnable",
        "returns.quantity",
    ):
        assert t[key] in text, key
    csrf = client.cookies.get("csrftoken", "")
    nothing = await client.post(
        f"/t/{token}/return?lang={lang}",
        data={"reason": "x", "resolution": "refund", "_csrf_token": csrf},
    )
    assert nothing.status_code == 400
    assert t["returns.error.no_items"] in visible(nothing.text)
    no_reason = await client.post(
        f"/t/{token}/return?lang={lang}",
        data={
            f"qty-{ids['MUG-01']}": "1",
            "reason": "  ",
            "resolution": "refund",
            "_csrf_token": csrf,
        },
    )
    assert t["returns.error.reason_missing"] in visible(no_reason.text)
    excluded = await client.post(
        f"/t/{token}/return?lang={lang}",
        data={
            f"qty-{ids['GIFT-25']}": "1",
            "reason": "No",
            "resolution": "refund",
            "_csrf_token": csrf,
        },
    )
    assert t["returns.error.not_returnable"].format(title="Gift card") in visible(excluded.text)
    for response in (nothing, no_reason, excluded):
        for english in english_only(lang) if lang != "en" else ():
            assert english not in visible(response.text), english


async def test_items_in_another_return_are_refused_in_words_not_a_server_error(client, db):
    token, ids = await delivered_order()
    await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Chipped", "refund")
    await client.get(f"/t/{token}/return")
    both = await client.post(
        f"/t/{token}/return?lang=fr",
        data={
            f"qty-{ids['MUG-01']}": "2",
            "reason": "Trop petit",
            "resolution": "exchange",
            "_csrf_token": client.cookies.get("csrftoken", ""),
        },
    )
    assert both.status_code == 400
    t = CATALOGS["fr"]
    assert t["returns.error.already_returned.some"].format(
        title="Stoneware mug", left=1
    ) in visible(both.text)


@pytest.mark.parametrize("lang", ["de", "nl"])
async def test_why_a_return_cannot_start_is_told_in_the_customers_language(client, db, lang):
    token, _ = await delivered_order(deliver=False)
    form = await client.get(f"/t/{token}/return?lang={lang}")
    assert CATALOGS[lang]["returns.why_not.not_delivered"] in visible(form.text)
    assert "has not been delivered" not in form.text


async def test_a_rejected_return_shows_the_shops_reason_in_the_customers_language(client, db):
    token, ids = await delivered_order()
    started = await returns.start_return(db, token, {ids["MUG-01"]: 1}, "Zu klein", "refund")
    await returns.reject(started.rma, "Benutzt <script>alert(1)</script>")
    page = await client.get(f"/r/{started.token}?lang=de")
    assert "Grund: Benutzt &lt;script&gt;" in page.text
    assert CATALOGS["de"]["return.status.rejected"] in visible(page.text)
    assert CATALOGS["de"]["return.step.rejected"] in visible(page.text)
