"""The real ``shopdesk`` command, each subcommand's happy and error paths."""

import json

import pytest

from tests.conftest import shared_file

SUBCOMMANDS = [
    ["init"],
    ["migrate"],
    ["demo"],
    ["import", "orders"],
    ["import", "tracking"],
    ["orders", "list"],
    ["orders", "show"],
    ["ship"],
    ["event"],
    ["cancel"],
    ["note"],
    ["tracking", "classify"],
    ["serve"],
    ["worker"],
    ["notify", "test"],
    ["notify", "check"],
    ["notify", "preview"],
    ["outbox"],
    ["slip"],
]


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=" ".join)
def test_every_subcommand_has_help(cli, words):
    result = cli(*words, "--help")
    assert result.code == 0
    assert f"usage: shopdesk {' '.join(words)}" in result.out


def test_top_level_help_lists_commands(cli):
    result = cli("--help")
    assert result.code == 0
    for word in ("init", "demo", "import", "orders", "ship", "event", "tracking"):
        assert word in result.out


def test_demo_seeds_and_orders_list_shows_the_shop(cli):
    seeded = cli("demo", "--seed-only", "--orders", "120")
    assert seeded.code == 0, seeded.err
    assert "Seeded a demo shop with 120 orders" in seeded.out
    listed = cli("orders", "list", "--limit", "500")
    assert listed.code == 0
    assert listed.out.count("\n") == 121  # header + 120 rows
    data = json.loads(cli("orders", "list", "--json", "--limit", "500").out)
    stages = {o["stage"] for o in data}
    assert {"delivered", "shipped", "confirmed"} <= stages
    milestones = {s["milestone"] for o in data for s in o["shipments"]}
    assert {"delivered", "attempt_failed", "exception"} & milestones
    attention = cli("orders", "list", "--attention", "--json", "--limit", "500")
    assert all(o["attention"] for o in json.loads(attention.out))


def test_demo_without_data_dir_uses_a_disposable_shop_shown_until_init(cli, tmp_path):
    no_dir = {"SHOPDESK_DATA_DIR": None, "SHOPDESK_DATABASE_URL": None}  # a newcomer: nothing set
    result = cli("demo", "--seed-only", "--orders", "20", env=no_dir)
    assert result.code == 0, result.err
    where = next(line for line in result.out.splitlines() if line.startswith("Data directory"))
    assert str(tmp_path / "home" / "cache" / "shopdesk" / "demo") in where
    assert "  shopdesk orders list" in result.out
    assert not cli.data_dir.exists()  # the configured shop was not touched
    # The README's path: with no shop of their own yet, the commands show the demo shop.
    listed = cli("orders", "list", env=no_dir)
    assert listed.code == 0 and "1020" in listed.out
    assert "showing the demo shop" in listed.err
    # A new demo replaces the disposable one.
    assert cli("demo", "--seed-only", "--orders", "3", env=no_dir).code == 0
    assert "1004" not in cli("orders", "list", env=no_dir).out
    # Once the owner has a shop of their own, the demo is no longer shown.
    assert cli("init", env=no_dir).code == 0
    own = cli("orders", "list", env=no_dir)
    assert "No orders yet" in own.out and "demo" not in own.err


def test_orders_json_has_the_documented_fields(cli):
    cli("demo", "--seed-only", "--orders", "30")
    orders = json.loads(cli("orders", "list", "--json").out)
    assert isinstance(orders, list) and len(orders) == 30
    shipped = next(o for o in orders if o["shipments"])
    for key in ("number", "stage", "placed_at", "tracking_url", "items", "shipments"):
        assert key in shipped
    assert shipped["tracking_url"].startswith("http://127.0.0.1:8080/t/")
    parcel = shipped["shipments"][0]
    for key in ("carrier", "tracking_number", "milestone", "events"):
        assert key in parcel
    one = json.loads(cli("orders", "show", f"#{shipped['number']}", "--json").out)
    assert one == shipped


def one_order(cli, tmp_path, number: str) -> None:
    (tmp_path / "o.csv").write_text(
        "order_number,placed_at,email,phone,name,country,postcode,city,currency,sku,title,"
        "quantity,unit_price\n"
        f"{number},2026-11-20 10:00,ada@example.com,,Ada Lovelace,GB,N1,London,GBP,,Mug,1,12\n"
    )
    assert cli("import", "orders", str(tmp_path / "o.csv")).code == 0


def test_ship_event_show_search(cli, tmp_path):
    one_order(cli, tmp_path, "A-77")
    shipped = cli("ship", "#A-77", "--tracking", "1Z999AA10123456784", "--at", "2026-11-21 09:00")
    assert shipped.code == 0, shipped.err
    assert "UPS" in shipped.out and "shipped" in shipped.out
    out = cli(
        "event",
        "A-77",
        "--milestone",
        "out_for_delivery",
        "--at",
        "2026-11-23 08:00",
        "--description",
        "With courier",
        "--location",
        "London",
    )
    assert out.code == 0 and "out for delivery" in out.out
    late = cli("event", "A-77", "--milestone", "in_transit", "--at", "2026-11-23 09:00")
    assert late.code == 0 and "stays out for delivery" in late.out
    dup = cli(
        "event",
        "A-77",
        "--milestone",
        "out_for_delivery",
        "--at",
        "2026-11-23 08:00",
        "--description",
        "With courier",
        "--location",
        "London",
    )
    assert "recorded already" in dup.out
    show = cli("orders", "show", "A-77")
    assert show.code == 0
    assert "With courier" in show.out and "London" in show.out
    assert "out for delivery" in show.out
    found = cli("orders", "list", "--search", "1z999")
    assert "A-77" in found.out
    assert "No orders match" in cli("orders", "list", "--search", "zzz-nothing").out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["orders", "show", "404"], "no order 404"),
        (["ship", "404", "--tracking", "1Z999AA10123456784"], "no order 404"),
        (["event", "404", "--milestone", "delivered"], "no order 404"),
        (["import", "orders", "/nonexistent.csv"], "cannot read"),
        (["import", "tracking", "/nonexistent.csv"], "cannot read"),
        (["cancel", "404"], "no order 404"),
        (["note", "404", "hi"], "no order 404"),
    ],
)
def test_errors_are_one_clear_line_and_exit_1(cli, args, message):
    cli("migrate")
    result = cli(*args)
    assert result.code == 1
    assert message in result.err
    assert "Traceback" not in result.err


def test_event_and_ship_input_errors(cli, tmp_path):
    one_order(cli, tmp_path, "1005")
    assert "no parcel yet" in cli("event", "1005", "--milestone", "delivered").err
    bad_time = cli("ship", "1005", "--tracking", "1Z999AA10123456784", "--at", "soonish")
    assert bad_time.code == 1 and "'soonish' is not a date" in bad_time.err
    assert (
        cli("ship", "1005", "--tracking", "ABC123").err.strip().endswith("name it with --carrier")
    )
    assert cli("ship", "1005", "--tracking", "ABC123", "--carrier", "DHL").code == 0
    assert cli("ship", "1005", "--tracking", "DEF456", "--carrier", "DHL").code == 0
    two = cli("event", "1005", "--milestone", "delivered")
    assert two.code == 1 and "2 parcels; say which with --tracking" in two.err
    bad = cli("event", "1005", "--milestone", "teleported", "--tracking", "ABC123")
    assert bad.code == 1 and "unknown milestone 'teleported'" in bad.err
    assert cli("event", "1005", "--milestone", "delivered", "--tracking", "abc123").code == 0


def test_usage_errors_exit_2(cli):
    assert cli("orders", "list", "--stage", "lost-in-space").code == 2
    assert cli("ship", "1001").code == 2  # --tracking is required
    assert cli("frobnicate").code == 2


def test_bad_config_names_key_value_and_allowed(cli, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[shop]\ncountry = "Germany"\n')
    result = cli("--config", str(config), "orders", "list")
    assert result.code == 2
    assert "shop.country" in result.err and "'Germany'" in result.err
    assert "two-letter" in result.err and "Traceback" not in result.err
    config.write_text('[shop]\nhandling_days = "two"\n')
    assert (
        "shop.handling_days must be a whole number" in cli("migrate", "--config", str(config)).err
    )
    config.write_text('[shop]\nnmae = "x"\n')
    assert "unknown setting shop.nmae" in cli("migrate", "--config", str(config)).err
    config.write_text("[shop\n")
    assert "not valid TOML" in cli("migrate", "--config", str(config)).err
    assert "does not exist" in cli("migrate", "--config", str(tmp_path / "nope.toml")).err


def test_config_from_env_and_cwd(cli, tmp_path):
    (tmp_path / "shopdesk.toml").write_text('[shop]\npublic_url = "https://track.example.org"\n')
    cli("demo", "--seed-only", "--orders", "3")
    order = json.loads(cli("orders", "show", "1001", "--json").out)
    assert order["tracking_url"].startswith("https://track.example.org/t/")
    other = tmp_path / "other.toml"
    other.write_text('[shop]\npublic_url = "https://env.example.org"\n')
    order = json.loads(
        cli("orders", "show", "1001", "--json", env={"SHOPDESK_CONFIG": str(other)}).out
    )
    assert order["tracking_url"].startswith("https://env.example.org/t/")


def test_init_writes_config_and_database(cli, tmp_path):
    result = cli("init")
    assert result.code == 0, result.err
    written = (tmp_path / "shopdesk.toml").read_text()
    assert "[shop]" in written and "handling_days" in written
    assert "exists already" in cli("init").out
    assert cli("migrate").code == 0


def test_import_commands(cli):
    result = cli("import", "orders", str(shared_file("payloads", "shopify_orders_export.csv")))
    assert result.code == 0, result.err
    assert "Imported 19 orders from 40 rows" in result.out
    again = cli("import", "orders", str(shared_file("payloads", "shopify_orders_export.csv")))
    assert "Imported 0 orders from 40 rows; 19 already there" in again.out


def test_import_reports_bad_rows_and_exits_1(cli, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("order_number,carrier,tracking_number\n1001,UPS,1Z999AA10123456784\n")
    result = cli("import", "tracking", str(path))
    assert result.code == 1
    assert "line 2: no order 1001" in result.err
    assert "0 parcels" in result.out


def test_tracking_classify_reads_stdin_in_order(cli):
    lines = (
        "\n".join(
            [
                "DHL\tDie Sendung wurde erfolgreich zugestellt.",
                "UPS\tOut For Delivery Today",
                "PostNL\tZending is gesorteerd",
                "La Poste\tVotre colis est disponible dans votre point de retrait",
                "USPS\tDelivery Attempted - No Access to Delivery Location",
            ]
        )
        + "\n"
    )
    result = cli("tracking", "classify", stdin=lines)
    assert result.code == 0
    assert result.out.split() == [
        "delivered",
        "out_for_delivery",
        "in_transit",
        "available_for_pickup",
        "attempt_failed",
    ]


def test_tracking_classify_gets_the_corpus_right(cli):
    rows = [
        line.split("\t")
        for line in shared_file("carrier_events.tsv").read_text(encoding="utf-8").splitlines()[1:]
    ]
    stdin = "".join(f"{carrier}\t{description}\n" for carrier, _, description, _, _ in rows)
    result = cli("tracking", "classify", stdin=stdin)
    assert result.code == 0
    got = result.out.splitlines()
    assert len(got) == len(rows)
    returns = {"returning_to_sender", "returned_to_sender"}
    right = sum(g == r[3] or {g, r[3]} <= returns for g, r in zip(got, rows, strict=True))
    assert right / len(rows) >= 0.95
