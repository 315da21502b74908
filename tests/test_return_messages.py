"""What the customer is told at each step of a return, in every language and channel, and the
real worker sending a refund message through Apprise to a real SMTP server (aiosmtpd)."""

from dataclasses import replace
from datetime import date

import pytest

from shopdesk.errors import Conflict
from shopdesk.models import Notification
from shopdesk.notify.message import CHANNEL_KINDS, RETURN_KINDS, ReturnFacts
from shopdesk.notify.render import catalog, format_amount, format_day, render
from shopdesk.notify.sms import is_gsm7
from shopdesk.services import returns, shipments
from tests import test_worker
from tests.test_render import ALL_LOCALES, TRACKING_URL, message
from tests.test_worker import Clock, place, scan

shop, sinks = test_worker.shop, test_worker.sinks  # the worker tests' fixtures
RETURN_URL = "https://shop.example/r/" + "R" * 43
FACTS = ReturnFacts(
    rma="R-1001-1",
    url=RETURN_URL,
    rejection_reason="Worn <b>twice</b>",
    send_by=date(2025, 12, 12),
    carrier="DHL",
    tracking_number="JJD000390007",
    amount_minor=123456,
    currency="EUR",
    refund_method="bank_transfer",
    refund_expected=(date(2025, 12, 8), date(2025, 12, 10)),
    note="Size M is on its way",
)
# What each step must say beyond its headline: catalog key -> values.
STEP_FACTS = {
    "return_rejected": lambda c: [c.t("return.reason", reason="Worn <b>twice</b>")],
    "return_approved": lambda c: [c.t("return.send_by", date=format_day(date(2025, 12, 12), c))],
    "return_in_transit": lambda c: [c.t("return.parcel", number="JJD000390007", carrier="DHL")],
    "refund_issued": lambda c: [
        c.t(
            "return.refund",
            amount=format_amount(123456, "EUR", c.locale),
            method=c.t("method.bank_transfer"),
        ),
        c.t(
            "return.expected",
            start=format_day(date(2025, 12, 8), c),
            end=format_day(date(2025, 12, 10), c),
        ),
    ],
    "store_credit_issued": lambda c: [
        c.t("return.credit", amount=format_amount(123456, "EUR", c.locale))
    ],
    "exchange_sent": lambda c: [c.t("return.note", note="Size M is on its way")],
}


@pytest.mark.parametrize("locale", ALL_LOCALES)
@pytest.mark.parametrize("kind", sorted(RETURN_KINDS))
def test_each_return_step_says_what_happened_and_links_to_the_return(kind, locale):
    cat = catalog(locale)
    out = render(message(kind, locale, ret=FACTS, items=(("Mug", 2),)), "email")
    assert RETURN_URL in out.body and RETURN_URL in out.text
    assert TRACKING_URL not in out.text  # the return's page, not the order's
    assert cat.t("return.view") in out.text and "1001" in out.title
    assert cat.t("return.code", rma="R-1001-1") in out.text
    for fact in STEP_FACTS.get(kind, lambda c: [])(cat):
        assert fact in out.text, fact
    assert "Estimated delivery" not in out.text
    if kind in ("refund_issued", "store_credit_issued"):  # the sum is in the sentence itself
        assert format_amount(123456, "EUR", locale) in out.text.split("\n\n")[1]
    for channel in CHANNEL_KINDS:
        assert RETURN_URL in render(message(kind, locale, ret=FACTS), channel).text


def test_the_shops_reason_is_escaped_in_html():
    out = render(message("return_rejected", ret=FACTS), "email")
    assert "Worn &lt;b&gt;twice&lt;/b&gt;" in out.body and "<b>twice" not in out.body


def test_same_day_refunds_and_missing_facts_read_naturally():
    cat = catalog("de")
    credit = replace(FACTS, refund_method="paypal", refund_expected=(date(2025, 12, 9),) * 2)
    text = render(message("refund_issued", "de", ret=credit), "email").text
    assert cat.t("return.expected_day", date=format_day(date(2025, 12, 9), cat)) in text
    assert "1.234,56 EUR per PayPal" in text
    # Without a return (a preview of an order that has none yet): the order's page, no gaps.
    bare = render(message("refund_issued"), "email").text
    assert TRACKING_URL in bare and "  " not in bare.split("\n\n")[1]


@pytest.mark.parametrize("kind", sorted(RETURN_KINDS))
def test_english_return_sms_fits_one_segment_with_the_return_link(kind):
    out = render(message(kind, ret=FACTS), "sms")
    assert out.segments == 1 and is_gsm7(out.text), out.text
    assert out.text.split()[-1] == RETURN_URL


async def delivered(clock: Clock) -> str:
    from shopdesk.services.queries import order_token

    await place(clock)
    await shipments.add_shipment(
        "1001", "00340434161094042557", carrier="DHL Paket", shipped_at=clock.now
    )
    await shipments.record_event(scan(clock, "delivered"))
    return await order_token("1001")


@pytest.mark.slow
async def test_a_refund_sends_one_email_with_the_return_link_and_the_amount(shop, sinks):
    settings, worker, clock = shop
    smtp, _http = sinks
    token = await delivered(clock)
    items = await returns.return_options(settings, token)
    ret = await returns.start_return(
        settings, token, {items.items[0].order_item_id: 1}, "Too small", "refund"
    )
    await returns.approve(ret.rma)
    await returns.add_return_tracking(ret.rma, "DHL", "JJD000390007000111")
    await returns.mark_received(ret.rma)
    await worker.run_once()
    before = len(await smtp.wait_for(5))  # confirmed, delivered, requested, approved, ...
    smtp.clear()

    refunded = await returns.refund(ret.rma, 1800, "card")
    report = await worker.run_once()
    assert report.failed == 0
    emails = await smtp.wait_for(1)
    assert len(emails) == 1 and before >= 5
    email = emails[0]
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert email["To"] == "ada@example.com" and "1001" in email["Subject"]
    assert refunded.url in text and f'href="{refunded.url}"' in html
    assert "/r/" in refunded.url and f"/t/{token}" not in text
    assert "We've refunded 18.00 EUR for your return from order 1001." in text
    assert "Refund: 18.00 EUR by card." in text
    start, end = refunded.refund_expected
    cat = catalog("en")
    assert f"between {format_day(start, cat)} and {format_day(end, cat)}" in text

    # Repeating a step sends nothing: a second refund is refused, receiving and closing again
    # change nothing, and only the first close tells the customer.
    with pytest.raises(Conflict, match="refunded already"):
        await returns.refund(ret.rma, 1800, "card")
    await returns.close(ret.rma)
    await returns.close(ret.rma)
    await worker.run_once()
    closed = await smtp.wait_for(2)
    assert [m["Subject"] for m in closed[1:]] == ["Your return for order 1001 is complete"]
    await returns.close(ret.rma)
    clock.advance(minutes=5)
    await worker.run_once()
    assert len(smtp.messages) == 2
    assert await Notification.filter(kind="refund_issued", channel="email").count() == 1
    sent = await Notification.filter(reason=f"return:{ret.id}", channel="email").count()
    assert sent == 6  # requested, approved, on its way, received, refunded, closed


async def test_preview_of_a_return_step_uses_the_orders_latest_return(cli):
    assert cli("demo", "--seed-only", "--orders", "5").code == 0
    nothing = cli("notify", "preview", "1001", "refund_issued")
    assert nothing.code == 1 and "has no return" in nothing.err
