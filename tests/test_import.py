"""CSV imports with real, malformed and hostile files: good rows import, bad rows are reported by
line, nothing is lost, importing twice changes nothing."""

from pathlib import Path

import pytest

from shopdesk.errors import InvalidInput
from shopdesk.importers.orders import GENERIC_COLUMNS, import_orders
from shopdesk.importers.tracking import import_tracking
from shopdesk.models import Order, OrderItem, RawInput, Shipment
from shopdesk.services import queries
from tests.conftest import shared_file

HEADER = ",".join(GENERIC_COLUMNS)


def write(tmp_path: Path, text: str, name: str = "orders.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def generic(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


GOOD = (
    "1001,2026-11-02T09:00:00+01:00,ada@example.com,+4930123456,Ada L,DE,10115,Berlin,EUR,"
    "MUG,Mug,2,18.00"
)


async def test_shopify_export_imports_and_twice_changes_nothing(db, tmp_path):
    path = shared_file("payloads", "shopify_orders_export.csv")
    report = await import_orders(db, path)
    assert report.errors == []
    orders = await Order.all().count()
    assert report.created == orders == 19  # 40 rows, 19 orders (#1001-#1019)
    view = await queries.order_view(db, "#1008")
    assert view.customer_name == "Russell Winfield"
    assert view.email == "Russel.winfield@example.com"
    assert (view.ship_country, view.ship_postcode, view.ship_city) == ("CA", "M5C 1N7", "Toronto")
    assert len(view.items) == 4
    assert view.currency == "EUR"
    first = await queries.order_view(db, "1001")
    assert first.total_minor == 165995  # the export's Total, in cents
    assert {i.title for i in first.items} >= {"Gift Card - $10", "The Collection Snowboard: Oxygen"}
    raw_rows = await RawInput.filter(source="csv:shopify").count()
    assert raw_rows == report.rows == 40

    again = await import_orders(db, path)
    assert (again.created, again.existing, again.errors) == (0, 19, [])
    assert await Order.all().count() == 19
    assert await OrderItem.all().count() == 40
    assert await RawInput.filter(source="csv:shopify").count() == 40


async def test_generic_import_groups_line_items(db, tmp_path):
    path = write(
        tmp_path,
        generic(
            GOOD,
            "1001,2026-11-02T09:00:00+01:00,ada@example.com,,Ada L,DE,10115,Berlin,EUR,TEA,Tea,1,12.50",  # noqa: E501
            "#1002,2026-11-03 10:00,bob@example.com,,Bob,FR,75001,Paris,EUR,,Candle,1,28",
        ),
    )
    report = await import_orders(db, path, "generic")
    assert (report.created, report.errors) == (2, [])
    view = await queries.order_view(db, "1001")
    assert [(i.sku, i.quantity, i.unit_price_minor) for i in view.items] == [
        ("MUG", 2, 1800),
        ("TEA", 1, 1250),
    ]
    assert view.total_minor == 4850
    # a time without a zone is the shop's (Europe/Berlin in tests): 10:00 there is 09:00 UTC
    assert (await queries.order_view(db, "1002")).placed_at.hour == 9


async def test_bad_rows_are_reported_by_line_and_good_rows_import(db, tmp_path):
    path = write(
        tmp_path,
        generic(
            GOOD,
            "1002,yesterday-ish,bob@example.com,,Bob,FR,75001,Paris,EUR,,Candle,1,28",
            "1003,2026-11-03 10:00,c@example.com,,C,FR,75001,Paris,EUR,,Candle,-1,28",
            "1004,2026-11-03 10:00,d@example.com,,D,FR,75001,Paris,EUR,,Candle,=1+1,28",
            "1005,2026-11-03 10:00,e@example.com,,E,FR,75001,Paris,EUR,,Candle,1,-5",
            "1006,2026-11-03 10:00,f@example.com,,F,FR,75001,Paris,EUR,,Candle,1,NaN",
            "1007,2026-11-03 10:00,not-an-email,,G,FR,75001,Paris,EUR,,Candle,1,5",
            "1008,2026-11-03 10:00,h@example.com,,H,FR,75001,Paris,EURO,,Candle,1,5",
            ",2026-11-03 10:00,i@example.com,,I,FR,75001,Paris,EUR,,Candle,1,5",
            "1010,2026-11-03 10:00,j@example.com,,J,FR,75001,Paris,EUR,,,1,5",
            "1011,2026-11-03 10:00,k@example.com,,K,FR,75001,Paris,EUR,,Candle,1,5.123",
            "1012,2026-11-03 10:00,l@example.com,,L,FR,75001,Paris,EUR,,Candle,1,5,extra,fields",
        ),
    )
    report = await import_orders(db, path)
    assert report.created == 1
    lines = dict(report.errors)
    assert sorted(lines) == list(range(3, 14))
    assert "yesterday-ish" in lines[3]
    assert "quantity -1" in lines[4]
    assert "'=1+1' is not a whole number" in lines[5]
    assert "negative" in lines[6]
    assert "not a number" in lines[7]
    assert "email" in lines[8]
    assert "three-letter" in lines[9]
    assert "order number is empty" in lines[10]
    assert "no item title" in lines[11]
    assert "decimals" in lines[12]
    assert "fields but the header has" in lines[13]
    assert await Order.all().count() == 1
    # every readable row was stored raw, with its outcome, for the owner to inspect
    stored = {r.ref: r for r in await RawInput.all()}
    assert stored["orders.csv:3"].status == "error"
    assert "yesterday-ish" in stored["orders.csv:3"].error
    assert stored["orders.csv:2"].status == "ok"
    assert stored["orders.csv:10"].status == "error"


async def test_one_bad_line_item_keeps_the_whole_order_out(db, tmp_path):
    path = write(
        tmp_path,
        generic(
            GOOD,
            "1001,2026-11-02T09:00:00+01:00,ada@example.com,,Ada L,DE,10115,Berlin,EUR,TEA,Tea,0,1",
        ),
    )
    report = await import_orders(db, path)
    assert report.created == 0 and report.errors[0][0] == 3
    assert await Order.all().count() == 0


async def test_formula_injection_is_kept_as_inert_text(db, tmp_path):
    hostile = "=cmd|' /C calc'!A0"
    path = write(
        tmp_path,
        generic(
            f'1001,2026-11-02 09:00,ada@example.com,,"{hostile}",DE,10115,Berlin,EUR,@SUM(A1),'
            f'"{hostile}",1,5'
        ),
    )
    report = await import_orders(db, path)
    assert report.errors == []
    view = await queries.order_view(db, "1001")
    assert view.items[0].title == hostile
    assert view.items[0].sku == "@SUM(A1)"
    assert view.customer_name == hostile


async def test_missing_columns_name_every_missing_one(db, tmp_path):
    path = write(tmp_path, "order_number,placed_at,email\n1001,2026-11-02,a@example.com\n")
    with pytest.raises(InvalidInput, match=r"lacks columns phone, name, country.*unit_price"):
        await import_orders(db, path, "generic")
    path = write(tmp_path, "Name,Email\n#1001,a@example.com\n", "shop.csv")
    with pytest.raises(InvalidInput, match="Created at"):
        await import_orders(db, path, "shopify")


async def test_huge_fields_and_binary_files(db, tmp_path):
    path = write(
        tmp_path,
        generic(GOOD, "1002,2026-11-02,b@example.com,,B,DE,1,B,EUR,," + "A" * 200_000 + ",1,5"),
    )
    report = await import_orders(db, path)
    assert report.created == 1
    assert report.errors and report.errors[0][0] == 3 and "longer than" in report.errors[0][1]
    with pytest.raises(InvalidInput, match="NUL"):
        await import_orders(db, write(tmp_path, "\x89PNG\r\n\x1a\n\x00\x00", "image.csv"))
    with pytest.raises(InvalidInput, match="empty"):
        await import_orders(db, write(tmp_path, "", "empty.csv"), "generic")
    with pytest.raises(InvalidInput, match="cannot read"):
        await import_orders(db, tmp_path / "missing.csv", "generic")


async def test_wrong_encoding_is_read_with_a_warning(db, tmp_path):
    row = "1001,2026-11-02,a@example.com,,Zoë Müller,DE,1,Köln,EUR,,Tasse,1,5"
    path = write(tmp_path, generic(row), encoding="cp1252")
    report = await import_orders(db, path)
    assert report.created == 1
    assert "not UTF-8" in report.warnings[0] and "line 2" in report.warnings[0]
    assert (await queries.order_view(db, "1001")).customer_name == "Zoë Müller"


async def test_unterminated_quote_is_reported(db, tmp_path):
    path = write(tmp_path, generic(GOOD, '1002,2026-11-02,b@example.com,,"Bob,DE'))
    report = await import_orders(db, path)
    assert report.created == 1
    assert report.errors  # the broken tail is reported, the good order is in


async def test_tracking_import(db, tmp_path):
    await import_orders(
        db,
        write(
            tmp_path,
            generic(GOOD, GOOD.replace("1001", "1002", 1), GOOD.replace("1001", "1003", 1)),
        ),
    )
    path = write(
        tmp_path,
        "\n".join(
            [
                "order_number,carrier,tracking_number,shipped_at",
                "1001,UPS,1Z999AA10123456784,2026-11-03 10:00",
                "#1002,DHL Paket,00340434161094042557,",
                "9999,DHL,JJD000390007786524,",
                "1003,DHL,<img src=x>,",
                "1003,DHL,JJD000390007786525,not a date",
            ]
        )
        + "\n",
        "tracking.csv",
    )
    report = await import_tracking(db, path)
    assert report.created == 2
    assert [line for line, _ in report.errors] == [4, 5, 6]
    assert "no order 9999" in report.errors[0][1]
    view = await queries.order_view(db, "1001")
    assert view.shipments[0].tracking_number == "1Z999AA10123456784"
    assert view.stage == "shipped"
    again = await import_tracking(db, path)
    assert (again.created, again.existing) == (0, 2)
    assert await Shipment.all().count() == 2
    with pytest.raises(InvalidInput, match="tracking_number"):
        await import_tracking(db, write(tmp_path, "order_number,carrier\n1,x\n", "t2.csv"))
