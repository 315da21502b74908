"""Channel URL templates, phone numbers, channel kinds and customer time zones."""

from pathlib import Path

from shopdesk.config import Settings, load_settings
from shopdesk.notify.channels import Recipient, channel_kind, customer_zone, e164, fill

ADA = Recipient(email="ada+shop@example.com", phone="+4930123456", name="Ada Lovelace", order="A/1")


def test_fill_encodes_values_and_skips_customers_without_them():
    url = fill("mailtos://u:p@smtp.example.com?to={email}&name={first_name}&o={order}", ADA)
    assert url == "mailtos://u:p@smtp.example.com?to=ada+shop@example.com&name=Ada&o=A%2F1"
    hostile = Recipient(email="x@example.com", phone="", name="Eve&to=boss@corp", order="1")
    assert fill("json://h/?n={name}", hostile) == "json://h/?n=Eve%26to%3Dboss@corp"
    assert fill("twilio://SID:T@+1555/{phone}", Recipient(None, "", "Bob", "2")) is None
    assert fill("json://h/hook", Recipient(None, "", "", "2")) == "json://h/hook"


def test_phone_numbers_become_e164():
    assert e164("030 123456", "DE") == "+4930123456"
    assert e164("+1 (202) 555-0143", "") == "+12025550143"
    assert e164("not a number", "DE") == ""
    assert e164("", "DE") == ""


def test_channel_kinds():
    assert channel_kind("email", "json://x") == "email"
    assert channel_kind("mail", "mailtos://u:p@h?to=a@b.c") == "email"
    assert channel_kind("text", "twilio://a:b@+1/+2") == "sms"
    assert channel_kind("team", "discord://id/token") == "chat"


def test_customer_zone_from_order_then_country_then_shop():
    settings = Settings(timezone="Europe/Berlin")
    assert customer_zone(settings, "Asia/Tokyo", "DE") == "Asia/Tokyo"
    if Path("/usr/share/zoneinfo/zone.tab").exists():
        assert customer_zone(settings, None, "FR") == "Europe/Paris"
    assert customer_zone(settings, None, "") == "Europe/Berlin"


def test_the_example_config_is_the_defaults():
    example = Path(__file__).resolve().parents[1] / "config.example.toml"
    loaded = load_settings(example, data_dir="/tmp/x")
    defaults = Settings(data_dir=Path("/tmp/x"))
    for name in Settings.__dataclass_fields__:
        if name not in ("config_path",):
            assert getattr(loaded, name) == getattr(defaults, name), name
