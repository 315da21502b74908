"""The Settings screen: files, the channel check and the effective configuration with every
secret masked; a snapshot with fixed paths."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.widgets import DataTable

from shopdesk.config import Settings
from shopdesk.config_view import mask_url
from tests.tui_host import HostApp, settle
from tui.messages import DataChanged
from tui.screens.settings import SettingsScreen

SECRET_SETTINGS = Settings(
    data_dir=Path("/srv/shopdesk"),
    shop_name="Tea & Mugs",
    timezone="Europe/Berlin",
    country="DE",
    public_url="https://shop.example",
    database_url="postgres://shop:Pg-s3cret-pw@db.internal:5432/shopdesk",
    channels={
        "email": "mailtos://shop:Mail-pa55word@smtp.example.com?to={email}",
        "sms": "twilio://AC0123456789abcdef:AuthT0ken99@+15551234567/{phone}",
        "chat": "json://hooks.example.com/{order}?token=abc123secret",
        "bad": "nosuchscheme://x/{email}",
    },
    owner_urls=("ntfy://ntfy.sh/shop-alerts-Zq81xk2",),
)
SECRETS = (
    "Pg-s3cret-pw",
    "Mail-pa55word",
    "AuthT0ken99",
    "AC0123456789abcdef",
    "abc123secret",
    "Zq81xk2",
)


def table_text(screen) -> str:
    table = screen.query_one(DataTable)
    return "\n".join(
        " | ".join(str(getattr(c, "plain", c)) for c in table.get_row_at(i))
        for i in range(table.row_count)
    )


def test_mask_url_keeps_what_helps_and_hides_secrets():
    assert (
        mask_url("mailtos://shop:pw@smtp.example.com?to={email}")
        == "mailtos://shop:****@smtp.example.com?to={email}"
    )
    assert mask_url("postgres://u:p@h:5432/db") == "postgres://u:****@h:5432/db"
    assert "abc123secret" not in mask_url("json://h.example.com/x?token=abc123secret")
    assert mask_url("ntfy://ntfy.sh/my-shop-alerts") == "ntfy://ntfy.sh/my-shop-alerts"
    assert mask_url("not a url") == "not a url"


async def test_files_check_and_masked_config():
    app = HostApp(SECRET_SETTINGS, SettingsScreen)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        text = table_text(screen)
        for secret in SECRETS:
            assert secret not in text, secret
        assert "database.url | postgres://shop:****@db.internal:5432/shopdesk" in text
        assert "notifications.channels.email | mailtos://shop:****@smtp.example.com" in text
        assert "data directory | /srv/shopdesk" in text
        assert "shop.name | Tea & Mugs" in text
        # The channel check ran in a thread and named the broken channel without secrets.
        assert "problem | notifications.channels.bad" in text
        assert "ok | channel email: ok (email)" in text
        assert "owner alerts" not in text or "ok | owner alerts" in text
        # The change feed changes nothing here, and does not break anything.
        screen.post_message(DataChanged(frozenset({1}), frozenset({"event"})))
        await pilot.press("c")
        await settle(pilot)
        assert "problem | notifications.channels.bad" in table_text(screen)


async def test_no_channels_says_what_to_do(tmp_path):
    app = HostApp(Settings(data_dir=tmp_path), SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = table_text(app.screen)
        assert "No customer channels configured" in text
        assert "config file | (none: built-in defaults" in text
        assert f"sqlite://{tmp_path}/shopdesk.sqlite3 (default)" in text


def test_snapshot(snap_compare):
    settings = replace(SECRET_SETTINGS, channels={"email": SECRET_SETTINGS.channels["email"]})
    app = HostApp(settings, SettingsScreen)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)
