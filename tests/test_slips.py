"""Packing slips: the document, escaping, which orders, and the QR code as a phone would read it
(rendered by headless Chromium, decoded by zbarimg)."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shopdesk.errors import InvalidInput, NotFound
from shopdesk.models import Order
from shopdesk.services import queries
from shopdesk.services.orders import NewItem, NewOrder, cancel_order, create_order
from shopdesk.services.shipments import add_shipment
from shopdesk.slips import logo_src, write_slips
from tests import browser
from tests.conftest import at

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
# The screen preview shows each slip at its paper size: a window that holds two of them.
WINDOWS = {"a4": (900, 2450), "letter": (900, 2250), "4x6": (480, 1300)}
PDF_PAGE = {"a4": (595, 842), "letter": (612, 792), "4x6": (288, 432)}  # points


async def make_order(
    number: str,
    placed: str = "2026-11-27 23:30",
    name: str = "Anna Schmidt",
    items: tuple[NewItem, ...] | None = None,
) -> str:
    await create_order(
        NewOrder(
            number=number,
            placed_at=at(placed),
            currency="EUR",
            name=name,
            email=f"{number.lower()}@example.com",
            country="DE",
            postcode="10115",
            city="Berlin",
            items=items
            or (
                NewItem("Wool socks", 2, 1200, "SOCK-GRY-M"),
                NewItem("Enamel mug", 1, 900, "MUG-01"),
            ),
        )
    )
    return await queries.order_token(number)


def slips_of(html: str) -> list[str]:
    return html.split('<section class="slip"')[1:]


async def test_one_slip_per_order_with_number_date_items_and_tracking_url(db):
    urls = [
        db.tracking_url(await make_order("1001")),
        db.tracking_url(await make_order("1002", placed="2026-11-28 08:00")),
    ]
    html = await write_slips(db, ["#1002", "1001", "1002"])
    slips = slips_of(html)
    assert len(slips) == 2  # in the order given, duplicates once
    assert "Order 1002" in slips[0] and urls[1] in slips[0] and urls[0] not in slips[0]
    assert "Order 1001" in slips[1] and urls[0] in slips[1]
    assert "2026-11-28" in slips[1]  # 23:30 UTC is the next day in Berlin, the shop's zone
    for slip in slips:
        assert "Wool socks" in slip and "SOCK-GRY-M" in slip and "2 ×" in slip
        assert "Enamel mug" in slip and "MUG-01" in slip and "3 pieces" in slip
        assert slip.count("<svg") == 1
    assert "size: 210mm 297mm" in html and "break-after: page" in html
    # What goes in the parcel: first name only; no surname, email or address.
    assert "Anna" in html
    for private in ("Schmidt", "@example.com", "10115", "Berlin"):
        assert private not in html
    # Self-contained: nothing to fetch.
    for external in ("<script", "<link", "@import", "url(", 'src="http', "@font-face"):
        assert external not in html


async def test_branding_and_sizes(db, tmp_path):
    await make_order("1001")
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    shop = dataclasses.replace(
        db,
        shop_name="Knit & Purl",
        primary_color="#aa3300",
        support_email="help@knit.example",
        support_phone="+49 30 123",
        logo=str(logo),
    )
    html = await write_slips(shop, ["1001"], size="4x6")
    assert "Knit &amp; Purl" in html and "#aa3300" in html
    assert "help@knit.example" in html and "+49 30 123" in html
    assert 'src="data:image/png;base64,' in html
    assert "size: 4in 6in" in html
    assert "size: 8.5in 11in" in await write_slips(db, ["1001"], size="letter")
    with pytest.raises(InvalidInput, match="a4, letter, 4x6"):
        await write_slips(db, ["1001"], size="a5")  # type: ignore[arg-type]


def test_logo_sources(tmp_path):
    assert logo_src("") == ""
    assert logo_src("https://shop.example/logo.svg") == "https://shop.example/logo.svg"
    assert logo_src("javascript:alert(1)") == ""
    assert logo_src(str(tmp_path / "missing.png")) == ""
    (tmp_path / "notes.txt").write_text("not an image")
    assert logo_src(str(tmp_path / "notes.txt")) == ""
    (tmp_path / "logo.svg").write_text("<svg/>")
    assert logo_src("logo.svg", tmp_path / "shopdesk.toml").startswith("data:image/svg+xml;")


async def test_hostile_text_is_escaped(db, tmp_path):
    await make_order("1001", name=f"{HOSTILE} Smith", items=(NewItem(HOSTILE, 1, 100, HOSTILE),))
    shop = dataclasses.replace(
        db,
        shop_name=HOSTILE,
        support_email=HOSTILE,
        primary_color="red;}</style><script>alert(3)</script>",
    )
    html = await write_slips(shop, ["1001"])
    assert "<script" not in html and "<img src=x" not in html and "</style><" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # name, title, sku, shop
    assert "#1f6feb" in html  # the bad colour fell back to the default


async def test_unshipped_picks_confirmed_and_preparing_oldest_first(db):
    await make_order("1001", placed="2026-11-20 10:00")  # confirmed
    await make_order("1002", placed="2026-11-19 10:00")  # preparing (label printed)
    await make_order("1003", placed="2026-11-18 10:00")  # shipped
    await make_order("1004", placed="2026-11-17 10:00")  # cancelled
    await make_order("1005", placed="2026-11-21 10:00")  # confirmed
    await Order.filter(number="1002").update(stage="preparing")
    await add_shipment("1003", "1Z999AA10123456784", shipped_at=at("2026-11-19 12:00"))
    await cancel_order("1004")
    numbers = re.findall(r"Order (\d+)", await write_slips(db, None, unshipped=True))
    assert numbers == ["1002", "1001", "1005"]
    # Numbers given come first; unshipped ones are not repeated.
    both = re.findall(r"Order (\d+)", await write_slips(db, ["1003", "1005"], unshipped=True))
    assert both == ["1003", "1005", "1002", "1001"]


async def test_unshipped_pages_through_many_orders(db):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(520):
        await create_order(
            NewOrder(
                number=str(5000 + i),
                placed_at=start + timedelta(hours=i),
                currency="EUR",
                items=(NewItem("Mug", 1, 900),),
            )
        )
    html = await write_slips(db, [], unshipped=True)
    assert len(slips_of(html)) == 520


async def test_unknown_numbers_are_named(db):
    await make_order("1001")
    with pytest.raises(NotFound, match="no orders 9998, 9999"):
        await write_slips(db, ["9998", "1001", "#9999"])
    with pytest.raises(NotFound, match=r"no order 9999$"):
        await write_slips(db, ["9999"], unshipped=True)


# --- in a real browser -----------------------------------------------------------------------


def decode_qr(png: Path) -> list[str]:
    """Every QR code zbarimg finds in the image, one string each."""
    browser.require("zbarimg")
    done = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "--nodbus", "-Sdisable", "-Sqrcode.enable", str(png)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (0, 4), done.stderr  # 4: no code found
    return done.stdout.splitlines()


@pytest.mark.slow
@pytest.mark.parametrize("size", ["a4", "4x6"])
async def test_qr_code_scans_to_the_tracking_url(db, tmp_path, size):
    browser.require("chromium", "zbarimg")
    urls = [db.tracking_url(await make_order(n)) for n in ("1001", "1002")]
    page = tmp_path / "slips.html"
    page.write_text(await write_slips(db, ["1001", "1002"], size=size), encoding="utf-8")
    png = browser.screenshot(page, tmp_path / "slips.png", *WINDOWS[size])
    assert sorted(decode_qr(png)) == sorted(urls)


@pytest.mark.slow
@pytest.mark.parametrize("size", ["a4", "letter", "4x6"])
async def test_prints_one_page_per_slip_on_the_chosen_paper(db, tmp_path, size):
    browser.require("chromium")
    for n in ("1001", "1002", "1003"):
        await make_order(n)
    page = tmp_path / "slips.html"
    page.write_text(await write_slips(db, ["1001", "1002", "1003"], size=size), encoding="utf-8")
    pdf = browser.print_pdf(page, tmp_path / "slips.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 3
    boxes = {
        tuple(round(float(v)) for v in box.split()[2:])
        for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)
    }
    assert boxes == {PDF_PAGE[size]}


@pytest.mark.slow
async def test_hostile_text_stays_text_in_the_browser(db, tmp_path):
    browser.require("chromium")
    await make_order("1001", items=(NewItem(HOSTILE, 1, 100, "X"),))
    page = tmp_path / "slips.html"
    page.write_text(
        await write_slips(dataclasses.replace(db, shop_name=HOSTILE), ["1001"]), encoding="utf-8"
    )
    dom = browser.dump_dom(page)
    assert "<script" not in dom and '<img src="x"' not in dom
    assert dom.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2


# --- the command -----------------------------------------------------------------------------


def import_orders(cli, tmp_path: Path, *numbers: str) -> None:
    (tmp_path / "o.csv").write_text(
        "order_number,placed_at,email,phone,name,country,postcode,city,currency,sku,title,"
        "quantity,unit_price\n"
        + "".join(
            f"{n},2026-11-20 10:00,{n}@example.com,,Ada Lovelace,GB,N1,London,GBP,MUG-1,Mug,1,12\n"
            for n in numbers
        )
    )
    done = cli("import", "orders", str(tmp_path / "o.csv"))
    assert done.code == 0, done.err


def test_slip_command(cli, tmp_path):
    import_orders(cli, tmp_path, "A-1", "A-2", "A-3")
    assert cli("ship", "A-3", "--tracking", "1Z999AA10123456784").code == 0
    done = cli("slip", "#A-1", "A-2", "--size", "letter", "-o", "out/../slips.html")
    assert done.code == 0, done.err
    target = (tmp_path / "slips.html").resolve()
    assert f"Wrote 2 packing slips (letter) to {target}\n" in done.out
    html = target.read_text(encoding="utf-8")
    assert len(slips_of(html)) == 2 and "size: 8.5in 11in" in html
    assert "Order A-1" in html and "Order A-2" in html and "/t/" in html

    unshipped = cli("slip", "--unshipped", "-o", str(tmp_path / "todo.html"))
    assert unshipped.code == 0 and "Wrote 2 packing slips (a4)" in unshipped.out
    assert "Order A-3" not in (tmp_path / "todo.html").read_text(encoding="utf-8")


def test_slip_command_errors(cli, tmp_path):
    import_orders(cli, tmp_path, "A-1")
    nothing = cli("slip", "-o", "x.html")
    assert nothing.code == 1 and "--unshipped" in nothing.err and "order numbers" in nothing.err
    unknown = cli("slip", "A-1", "B-9", "-o", "x.html")
    assert unknown.code == 1 and "no order B-9" in unknown.err
    assert not (tmp_path / "x.html").exists()
    bad_size = cli("slip", "A-1", "--size", "a5", "-o", "x.html")
    assert bad_size.code == 2 and "invalid choice" in bad_size.err
