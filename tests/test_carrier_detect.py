"""Carrier detection from tracking numbers: formats, check digits, hostile input, overrides."""

import pytest

from shopdesk.errors import InvalidInput
from shopdesk.services import orders, queries, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.tracking.carriers import clean_tracking_number, detect, guess_carrier
from tests.conftest import at

# Numbers from the carriers' own samples in ../shared/data/payloads and public examples.
VALID = [
    ("1Z1442YY7229014688", "UPS"),  # UPS Postman sample
    ("1Z001985YW99744790", "UPS"),  # Shopify fulfillment sample
    ("1Z999AA10123456784", "UPS"),
    ("9400109104250532908587", "USPS"),  # USPS v3 sample
    ("9205590164917337534322", "USPS"),  # Shippo recorded USPS parcel
    ("776094337676", "FedEx"),  # FedEx multi-piece sample
    ("738488882438", "FedEx"),  # FedEx Ground sample
    ("RR123456785GB", "Royal Mail"),
    ("RR123456785US", "USPS"),
    ("CP123456785DE", "Deutsche Post"),
    ("RR123456785NL", "PostNL"),
    ("00340434161094042557", "DHL Paket"),
    ("JJD000390007786524", "DHL Paket"),
    ("3SABCD1234567", "PostNL"),
    ("01234567890123", "DPD"),
    ("12345678901", "GLS"),
]


@pytest.mark.parametrize(("number", "carrier"), VALID)
def test_real_numbers_are_detected(number, carrier):
    found = detect(number)
    assert (found.status, found.carrier) == ("valid", carrier)
    assert found.url and found.number in found.url
    assert guess_carrier(number) == carrier


@pytest.mark.parametrize(
    ("typed", "number", "carrier"),
    [
        ("1z 1442 yy72 2901 4688", "1Z1442YY7229014688", "UPS"),
        ("1Z-1442-YY7-229-014-688", "1Z1442YY7229014688", "UPS"),
        ("9400 1091 0425 0532 9085 87\n", "9400109104250532908587", "USPS"),
        ("rr 123 456 785 gb", "RR123456785GB", "Royal Mail"),
        ("１Ｚ１４４２ＹＹ７２２９０１４６８８", "1Z1442YY7229014688", "UPS"),  # full-width
        ("7760\u00a09433\u20117676", "776094337676", "FedEx"),  # no-break space, Unicode hyphen
    ],
)
def test_spaces_dashes_and_case_do_not_matter(typed, number, carrier):
    found = detect(typed)
    assert (found.number, found.status, found.carrier) == (number, "valid", carrier)


@pytest.mark.parametrize(
    ("number", "carrier"),
    [
        ("1Z1442YY7229014687", "UPS"),
        ("9400109104250532908588", "USPS"),
        ("RR123456786GB", "Royal Mail"),
        ("00340434161094042558", "DHL Paket"),  # not taken for another carrier's format
        ("1234567890", "DHL Express"),
    ],
)
def test_a_wrong_check_digit_is_invalid_not_unknown(number, carrier):
    found = detect(number)
    assert (found.status, found.carrier) == ("invalid", carrier)
    assert "check digit" in found.reason and found.url is None
    assert guess_carrier(number) is None


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "   ",
        "x" * 100_000,
        "1Z\x00ABC",
        "<script>alert(1)</script>",
        "💥📦💥📦",
        "١٢٣٤٥٦٧",
        "1Z'; DROP TABLE shipment;--",
        "1Z1442YY7229014688" * 3,
    ],
)
def test_hostile_input_is_invalid_with_a_reason(hostile):
    found = detect(hostile)
    assert found.status == "invalid" and found.carrier is None
    assert "4-40 letters and digits" in found.reason and len(found.number) <= 40
    with pytest.raises(InvalidInput):
        clean_tracking_number(hostile)


def test_well_formed_but_unrecognised_is_unknown():
    found = detect("ABC123")
    assert (found.status, found.carrier, found.reason) == ("unknown", None, "")


async def test_the_owner_overrides_the_detected_carrier(db):
    await orders.create_order(
        NewOrder(
            number="1001",
            placed_at=at("2026-11-02 09:00"),
            currency="EUR",
            items=[NewItem("Mug", 1, 1800)],
            email="ada@example.com",
            country="DE",
        )
    )
    with pytest.raises(InvalidInput, match=r"check digit does not match.*--carrier"):
        await shipments.add_shipment("1001", "1Z1442YY7229014687")
    await shipments.add_shipment("1001", "1z1442yy7229014688")
    await shipments.add_shipment("1001", "1Z1442YY7229014687", carrier="UPS")  # owner knows
    await shipments.add_shipment("1001", "12345678901", carrier="Hermes")  # GLS-shaped
    view = await queries.order_view(db, "1001")
    assert [(s.carrier, s.tracking_number) for s in view.shipments] == [
        ("UPS", "1Z1442YY7229014688"),
        ("UPS", "1Z1442YY7229014687"),
        ("Hermes", "12345678901"),
    ]
