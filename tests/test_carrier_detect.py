"""Carrier detection from tracking numbers: formats, check digits, hostile input, overrides."""

import pytest

from shopdesk.errors import InvalidInput
from shopdesk.services import orders, queries, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.tracking.carriers import clean_tracking_number, detect, guess_carrier, mod37_36
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
    ("00340434161094042557", "DHL Paket"),  # DHL's published sandbox number
    ("00340433836621378669", "DHL Paket"),  # production prefix (AfterShip SDK test, dhl-germany)
    ("JJD000390007786524", "DHL Paket"),
    ("3SABCD1234567", "PostNL"),
    ("01015026003653C", "DPD"),  # paketda.de's example, with its check character
    ("12345678901", "GLS"),
]


@pytest.mark.parametrize(("number", "carrier"), VALID)
def test_real_numbers_are_detected(number, carrier):
    found = detect(number)
    assert (found.status, found.carrier) == ("valid", carrier)
    assert found.url and found.number[:14] in found.url  # DPD: without its check character
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
        ("1Z999AA1012345678E", "UPS"),  # a letter where the check digit goes (crashed the package)
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


# --- every carrier issue 6 names, with its public tracking page ---------------------------

ISSUE_6 = [
    ("UPS", "1Z1442YY7229014688", "https://www.ups.com/track?tracknum=1Z1442YY7229014688"),
    (
        "USPS",
        "9400109104250532908587",
        "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400109104250532908587",
    ),
    ("FedEx", "776094337676", "https://www.fedex.com/fedextrack/?trknbr=776094337676"),
    (
        "DHL Express",
        "7777777770",  # the DHL Unified API sample
        "https://www.dhl.com/global-en/home/tracking.html?tracking-id=7777777770",
    ),
    (
        "DHL Paket",
        "00340433836621378669",
        "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html"
        "?piececode=00340433836621378669",
    ),
    (
        "Royal Mail",
        "RR123456785GB",  # the UPU S10 standard's example, issued in GB
        "https://www.royalmail.com/track-your-item#/tracking-results/RR123456785GB",
    ),
    (
        "PostNL",
        "3SDEVC317858754",  # PostNL API docs example
        "https://jouw.postnl.nl/track-and-trace/3SDEVC317858754",
    ),
    (
        "DPD",
        "01015026003653C",  # the page takes the parcel number without its check character
        "https://tracking.dpd.de/status/en_US/parcel/01015026003653",
    ),
    ("GLS", "12345678901", "https://gls-group.com/track/12345678901"),  # format only
]


@pytest.mark.parametrize(("carrier", "number", "url"), ISSUE_6, ids=[c[0] for c in ISSUE_6])
def test_every_carrier_of_issue_6_with_its_tracking_page(carrier, number, url):
    found = detect(number)
    assert (found.status, found.carrier, found.url) == ("valid", carrier, url)


def test_dpd_check_character_is_iso_7064_mod_37_36():
    assert mod37_36("01015026003653") == "C"  # as paketda.de prints it
    assert detect("0101 5026 0036 53 C").carrier == "DPD"
    wrong = detect("01015026003653D")
    assert (wrong.status, wrong.carrier) == ("invalid", "DPD")
    assert "check digit" in wrong.reason


def test_bare_14_digits_could_be_dpd_or_hermes_and_we_say_so():
    """Without its check character a DPD number looks exactly like a Hermes one."""
    found = detect("01015026003653")
    assert (found.status, found.carrier) == ("unknown", None)
    assert found.alternatives == ("DPD", "Hermes") and "name the carrier" in found.reason
    assert guess_carrier("01015026003653") is None
    assert detect("H1001234567890123456").carrier == "Hermes"


def test_gls_12_digits_are_not_taken_for_a_wrong_fedex_number():
    gls = detect("123456789013")  # fails FedEx Express's check digit; GLS has none
    assert (gls.status, gls.carrier, gls.alternatives) == ("valid", "GLS", ())
    fedex = detect("776094337676")  # passes it: FedEx first, GLS still possible
    assert (fedex.status, fedex.carrier, fedex.alternatives) == ("valid", "FedEx", ("GLS",))


def test_dhl_paket_sscc_checks_its_gs1_digit():
    assert detect("00340433836621378668").status == "invalid"
    assert detect("00340433830245121366").carrier == "DHL Paket"  # DHL SOAP API sample


@pytest.mark.parametrize("number", ["7777777770", "9400109104250532908587", "1Z1442YY7229014688"])
def test_not_found_yet_is_not_invalid(number):
    """The numbers the carriers' fakes answer "not found yet" for are valid here: detection
    judges only the number; "not found yet" is the pollers' outcome (test_carriers.py)."""
    assert detect(number).status == "valid"


async def test_adding_an_ambiguous_number_asks_for_the_carrier(db):
    await orders.create_order(
        NewOrder(
            number="1002",
            placed_at=at("2026-11-02 09:00"),
            currency="EUR",
            items=[NewItem("Mug", 1, 1800)],
            email="ada@example.com",
            country="DE",
        )
    )
    with pytest.raises(InvalidInput, match="cannot tell the carrier"):
        await shipments.add_shipment("1002", "01015026003653")
    await shipments.add_shipment("1002", "01015026003653", carrier="DPD")
    view = await queries.order_view(db, "1002")
    assert [(s.carrier, s.tracking_number) for s in view.shipments] == [("DPD", "01015026003653")]
