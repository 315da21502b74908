"""The Settings screen: files, the channel check and the effective configuration with every
secret masked; a snapshot with fixed paths."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.widgets import DataTable

from shopdesk.carriers.base import CarrierSettings
from shopdesk.config import Settings
from shopdesk.config_view import mask_url
from shopdesk.models import CarrierHealth
from tests.tui_host import HostApp, settle
from tui.messages import DataChanged
from tui.screens.settings import SettingsScreen
from tui.screens.settings_carriers import CarrierTable
from tui.workers import LOG_HINT

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

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


def table_text(screen, selector: str = "#settings") -> str:
    table = screen.query_one(selector, DataTable)
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


# --- carrier API health: the same service as `shopdesk carriers status` ---------------------

CARRIERS = {
    "dhl": CarrierSettings(name="dhl", api_key="dhl-key-123"),
    "usps": CarrierSettings(name="usps", client_id="usps-id", client_secret="usps-s3cret"),
    "ups": CarrierSettings(name="ups", client_id="ups-id", client_secret="ups-s3cret"),
    "fedex": CarrierSettings(
        name="fedex", client_id="fx", client_secret="fx-s3cret", enabled=False
    ),
}


class ClockedHost(HostApp):
    """The host with the app's fixed clock, as ``make_tui(now=...)`` gives it."""

    def now(self) -> datetime:
        return NOW


async def seed_health(settings: Settings) -> None:
    """DHL polled fine; USPS used its whole hour and got a 429; UPS never polled yet."""
    await CarrierHealth.create(
        name="dhl",
        last_success_at=NOW - timedelta(minutes=10),
        next_poll_at=NOW + timedelta(minutes=20),
        recent=json.dumps([(NOW - timedelta(minutes=m)).timestamp() for m in (10, 20, 30)]),
    )
    await CarrierHealth.create(
        name="usps",
        last_success_at=NOW - timedelta(hours=2),
        last_error_at=NOW - timedelta(minutes=5),
        last_error="HTTP 429: rate limited",
        paused_until=NOW + timedelta(minutes=25),
        next_poll_at=NOW + timedelta(minutes=25),
        recent=json.dumps([(NOW - timedelta(minutes=m)).timestamp() for m in range(1, 41)]),
    )


def health_settings(settings: Settings) -> Settings:
    return replace(settings, carriers=CARRIERS, timezone="Europe/Berlin")


async def test_carrier_health_table(db):
    from shopdesk.carriers.status import carrier_status

    settings = health_settings(db)
    await seed_health(settings)
    expected = {r.name: r for r in await carrier_status(settings, now=NOW)}
    app = ClockedHost(settings, SettingsScreen)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CarrierTable)
        rows = {
            str(table.get_row_at(i)[0]): [str(getattr(c, "plain", c)) for c in table.get_row_at(i)]
            for i in range(table.row_count)
        }
        assert list(rows) == ["dhl", "fedex", "ups", "usps"]
        # carrier, state, budget left, last success, next poll, last error (Berlin time)
        assert rows["dhl"] == ["dhl", "ready", "247/250 day", "20 Nov 09:50", "20 Nov 10:20", "-"]
        assert rows["usps"] == [
            "usps",
            "paused",
            "0/40 h",
            "20 Nov 08:00",
            "20 Nov 10:25",
            "HTTP 429: rate limited",
        ]
        assert rows["ups"][:5] == ["ups", "ready", "200/200 h", "-", "-"]
        assert rows["fedex"][1] == "not set up"
        assert expected["usps"].budget_left == 0 and expected["dhl"].budget_left == 247
        # Reload reads the health again: the pause is over, the table says so.
        await CarrierHealth.filter(name="usps").update(paused_until=None, last_error="")
        await pilot.press("g")
        await settle(pilot)
        assert str(table.get_row_at(table.get_row_index("usps"))[1]) == "ready"


async def test_carrier_health_without_carriers_says_what_to_do(db):
    app = ClockedHost(db, SettingsScreen)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        text = table_text(app.screen, "#carriers")
        assert "none set up: add [carriers.<name>]" in text


async def test_carrier_health_unreadable_is_said_not_hidden(tmp_path):
    app = ClockedHost(Settings(data_dir=tmp_path), SettingsScreen)  # database never opened
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        text = table_text(app.screen, "#carriers")
        assert "unavailable" in text and "cannot read the database" in text


def test_snapshot(snap_compare, tmp_path, monkeypatch):
    """A real SQLite file (a relative path, so the snapshot does not show tmp_path)."""
    monkeypatch.chdir(tmp_path)
    settings = replace(
        health_settings(SECRET_SETTINGS),
        channels={"email": SECRET_SETTINGS.channels["email"]},
        database_url="sqlite://shopdesk-snapshot.sqlite3",
    )
    app = ClockedHost(settings, SettingsScreen, open_db=True, seed=seed_health)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)
    assert (tmp_path / "shopdesk-snapshot.sqlite3").is_file()


async def test_a_failing_check_or_health_read_is_said_and_the_app_keeps_running(db, monkeypatch):
    """A bug in either service (not a database that is not set up) is a notification that
    says where to look; both tables say what failed instead of "checking…" for ever."""
    from shopdesk.carriers import status
    from shopdesk.notify import check

    def broken_check(settings):
        raise ValueError("bad channel table")

    async def broken_status(settings, now=None):
        raise KeyError("budget")

    monkeypatch.setattr(check, "check_channels", broken_check)
    monkeypatch.setattr(status, "carrier_status", broken_status)
    app = ClockedHost(health_settings(db), SettingsScreen)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        errors = sorted(n.message for n in app._notifications if n.severity == "error")
        assert [e.split(":")[0] for e in errors] == [
            "Checking the channels failed",
            "Reading carrier health failed",
        ]
        assert all(LOG_HINT in e for e in errors)
        assert "problem | could not check: bad channel table" in table_text(app.screen)
        assert "could not read: 'budget'" in table_text(app.screen, "#carriers")
        assert "checking the channels" not in table_text(app.screen)
        # Still running, and trying again works once the bug is gone.
        monkeypatch.undo()
        await pilot.press("c", "g")
        await settle(pilot)
        assert app.is_running
        assert "could not" not in table_text(app.screen)
        assert "ups" in table_text(app.screen, "#carriers")
