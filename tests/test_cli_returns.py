"""``shopdesk returns …``: the owner moves real returns along with the real command, and every
mistake (unknown RMA, a step the return is not ready for, a bad amount) is one clear line."""

import json
from dataclasses import replace

import pytest

from shopdesk.config import load_settings
from shopdesk.db import close_db, init_db
from shopdesk.models import Order, OrderItem
from shopdesk.services import returns
from tests.conftest import PG_URL

HEAD = "order_number,placed_at,email,phone,name,country,postcode,city,currency,sku,title,quantity"
ROW = "1001,2026-11-20T10:00:00+01:00,ada@example.com,,Ada Lovelace,DE,10115,Berlin,EUR"
ORDERS = f"""{HEAD},unit_price
{ROW},MUG-01,Stoneware mug,2,18.00
{ROW},TEA-200,Loose leaf tea,1,12.50
"""


async def shop_with_returns(cli, tmp_path) -> None:
    """Order 1001 delivered today (through the command), then the customer's two returns:
    R-1001-1 (both mugs, a refund) and R-1001-2 (the tea, an exchange)."""
    csv = tmp_path / "orders.csv"
    csv.write_text(ORDERS)
    assert cli("import", "orders", str(csv)).code == 0
    assert cli("ship", "1001", "--tracking", "00340434161094042557").code == 0
    assert cli("event", "1001", "--milestone", "delivered").code == 0
    settings = load_settings(None, str(cli.data_dir))
    if PG_URL:
        settings = replace(settings, database_url=PG_URL)
    await init_db(settings)
    try:
        order = await Order.get(number="1001")
        ids = dict(await OrderItem.filter(order_id=order.id).values_list("sku", "id"))
        await returns.start_return(settings, order.token, {ids["MUG-01"]: 2}, "Chipped", "refund")
        await returns.start_return(settings, order.token, {ids["TEA-200"]: 1}, "Stale", "exchange")
    finally:
        await close_db()


def ok(result) -> str:
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    return result.out


def refused(result, message: str, code: int = 1) -> None:
    assert result.code == code, (result.out, result.err)
    assert message in result.err
    assert "Traceback" not in result.err


@pytest.mark.slow
async def test_the_owner_takes_returns_from_request_to_closed(cli, tmp_path):
    await shop_with_returns(cli, tmp_path)
    listed = ok(cli("returns", "list"))
    assert "R-1001-2" in listed and "R-1001-1" in listed and "Ada Lovelace" in listed
    assert listed.index("R-1001-2") < listed.index("R-1001-1")  # newest first
    waiting = json.loads(ok(cli("returns", "list", "--status", "requested", "--json")))
    assert [r["rma"] for r in waiting] == ["R-1001-2", "R-1001-1"]
    assert waiting[1]["items"] == [["Stoneware mug", 2]] and waiting[1]["value_minor"] == 3600
    assert "No returns match." in ok(cli("returns", "list", "--status", "closed"))

    assert "approved" in ok(cli("returns", "approve", "r-1001-1"))  # any case
    ok(cli("returns", "approve", "R-1001-1"))  # twice: harmless
    sent = ok(cli("returns", "tracking", "R-1001-1", "--tracking", "1Z999AA10123456784"))
    assert "UPS 1Z999AA10123456784" in sent and "in transit" in sent
    assert "received" in ok(cli("returns", "received", "R-1001-1"))

    for amount, message in [
        ("12.345", "--amount '12.345' has more decimals than EUR allows"),
        ("twelve", "--amount 'twelve' is not a number"),
        ("-5", "--amount '-5' is negative"),
        ("0", "the amount must be more than nothing"),
        ("36.01", "36.01 EUR is more than the returned items cost (36.00 EUR)"),
    ]:
        refused(
            cli("returns", "refund", "R-1001-1", "--amount", amount, "--method", "card"), message
        )
    refused(
        cli("returns", "refund", "R-1001-1", "--amount", "1", "--method", "cash"),
        "invalid choice: 'cash'",
        code=2,
    )
    done = ok(cli("returns", "refund", "R-1001-1", "--amount", "36", "--method", "card"))
    assert "refunded 36.00 EUR by card" in done
    refused(
        cli("returns", "refund", "R-1001-1", "--amount", "1", "--method", "card"),
        "return R-1001-1 is refunded already (36.00 EUR by card)",
    )
    shown = json.loads(ok(cli("returns", "show", "R-1001-1", "--json")))
    assert (shown["status"], shown["refund_minor"], shown["refund_method"]) == (
        "refunded",
        3600,
        "card",
    )
    assert shown["url"].startswith("http://127.0.0.1:8080/r/")
    text = ok(cli("returns", "show", "R-1001-1"))
    assert "Refund: 36.00 EUR by card" in text and "on the customer's statement" in text
    assert "closed" in ok(cli("returns", "close", "R-1001-1"))

    # The tea: refused with a reason, then nothing else can happen to it.
    refused(cli("returns", "reject", "R-1001-2"), "--reason", code=2)
    assert "rejected" in ok(cli("returns", "reject", "R-1001-2", "--reason", "Opened"))
    refused(
        cli("returns", "exchange", "R-1001-2"),
        "return R-1001-2 is rejected; only approved, in transit or received returns can "
        "be exchanged",
    )
    refused(
        cli("returns", "tracking", "R-1001-2", "--tracking", "1Z999AA10123456784"),
        "return R-1001-2 is rejected",
    )
    refused(cli("returns", "close", "R-1001-2"), "only refunded, exchanged or credited")
    statuses = {r["rma"]: r["status"] for r in json.loads(ok(cli("returns", "list", "--json")))}
    assert statuses == {"R-1001-1": "closed", "R-1001-2": "rejected"}


@pytest.mark.slow
async def test_exchange_and_store_credit(cli, tmp_path):
    await shop_with_returns(cli, tmp_path)
    ok(cli("returns", "approve", "R-1001-2"))
    swapped = ok(cli("returns", "exchange", "R-1001-2", "--note", "Earl Grey instead"))
    assert "exchanged" in swapped
    refused(cli("returns", "credit", "R-1001-2", "--amount", "5"), "exchanged already")
    ok(cli("returns", "approve", "R-1001-1"))
    credited = ok(
        cli("returns", "credit", "R-1001-1", "--amount", "20,50", "--note", "Thanks for waiting")
    )
    assert "credited 20.50 EUR" in credited
    shown = json.loads(ok(cli("returns", "show", "R-1001-1", "--json")))
    assert (
        shown["status"],
        shown["refund_minor"],
        shown["refund_method"],
        shown["resolution_note"],
    ) == ("credited", 2050, "store_credit", "Thanks for waiting")
    assert "Earl Grey instead" in ok(cli("returns", "show", "R-1001-2"))


UNKNOWN = [  # one of each kind of step; all go through the same lookup
    ["show"],
    ["approve"],
    ["tracking", "--tracking", "1Z999AA10123456784"],
    ["refund", "--amount", "1", "--method", "card"],
]


def test_an_unknown_rma_is_one_clear_line(cli):
    cli("migrate")
    for words in UNKNOWN:
        refused(
            cli("returns", words[0], "R-404-1", *words[1:]),
            "no return 'R-404-1'; give its RMA (such as R-1001-1) or id",
        )


def test_returns_help_lists_every_step(cli):
    out = ok(cli("returns", "--help"))
    for word in (
        "list",
        "show",
        "approve",
        "reject",
        "tracking",
        "received",
        "refund",
        "exchange",
        "credit",
        "close",
    ):
        assert word in out
    assert "No returns yet" in ok(cli("returns", "list"))
