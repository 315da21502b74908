"""``[carriers.<name>]`` config and the ``shopdesk carriers status|poll`` commands, end to end
against the fake carrier APIs on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shopdesk.config import load_settings
from shopdesk.errors import ConfigError
from tests.carrier_fake import CLIENT_ID, CLIENT_SECRET, FakeCarriers
from tests.test_cli import one_order


def write(tmp_path, text: str):
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


def test_carrier_sections_are_typed_and_validated(tmp_path, monkeypatch):
    path = write(
        tmp_path,
        '[carriers.usps]\nclient_id = "id"\nbudget = 55\n'
        '[carriers.dhl]\napi_key = "k"\nbase_url = "http://127.0.0.1:9"\n',
    )
    monkeypatch.setenv("SHOPDESK_CARRIERS_USPS_CLIENT_SECRET", "from-env-Secret")
    carriers = load_settings(path, tmp_path).carriers
    assert (carriers["usps"].budget, carriers["usps"].client_secret) == (55, "from-env-Secret")
    assert carriers["dhl"].base_url == "http://127.0.0.1:9"
    assert "from-env-Secret" not in repr(carriers)
    for text, message in [
        ('[carriers.royalmail]\napi_key = "k"\n', "no adapter for 'royalmail'; known: dhl"),
        ('[carriers.usps]\nclient_secrett = "x"\n', "unknown setting carriers.usps.client_secrett"),
        ('[carriers.usps]\nbudget = "lots"\n', "carriers.usps.budget must be a whole number"),
        ("[carriers.usps]\nbudget = -1\n", "carriers.usps.budget must be a whole number"),
        ('[carriers.ups]\nbase_url = "ftp://x"\n', "base_url must start with http"),
        ('[carriers.ups]\nenabled = "yes"\n', "carriers.ups.enabled must be true or false"),
        ("[carriers]\nusps = 3\n", "carriers.usps must be a [carriers.usps] section"),
    ]:
        with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace(".", r"\.")):
            load_settings(write(tmp_path, text), tmp_path)


@pytest.mark.slow
def test_carriers_status_and_poll_once(cli, tmp_path):
    assert "No carrier APIs configured" in cli("carriers", "status").out
    nothing = cli("carriers", "poll", "--once")
    assert nothing.code == 1 and "no carrier API is configured" in nothing.err
    with FakeCarriers(lambda: datetime.now(UTC)) as fake:
        config = write(
            tmp_path,
            f'[carriers.usps]\nbase_url = "{fake.url}"\n'
            f'client_id = "{CLIENT_ID}"\n'
            f'[carriers.dhl]\nbase_url = "{fake.url}"\n',
        )
        env = {"SHOPDESK_CARRIERS_USPS_CLIENT_SECRET": CLIENT_SECRET}
        one_order(cli, tmp_path, "1001")
        shipped = cli("ship", "1001", "--tracking", "9400 1091 0425 0532 9085 87")
        assert shipped.code == 0 and "USPS" in shipped.out, shipped.err
        polled = cli("--config", str(config), "carriers", "poll", "--once", env=env)
        assert polled.code == 0, polled.err
        assert "usps: 1 of 1 due polled, 2 requests, 12 new events" in polled.out
        assert "dhl" not in polled.out  # no API key: not configured, not polled
        status = cli("--config", str(config), "carriers", "status", "--json", env=env)
        rows = {r["name"]: r for r in json.loads(status.out)}
        assert rows["usps"]["configured"] and rows["usps"]["budget_left"] == 38
        assert rows["usps"]["last_success_at"] and not rows["usps"]["last_error"]
        assert not rows["dhl"]["configured"] and rows["dhl"]["budget"] == 250
        text = cli("--config", str(config), "carriers", "status", env=env).out
        assert "usps: ready" in text and "38 of 40 requests left" in text
        assert CLIENT_SECRET not in status.out + text + polled.out + polled.err
        order = json.loads(cli("orders", "show", "1001", "--json").out)
        assert order["shipments"][0]["milestone"] == "delivered"


@pytest.mark.slow
def test_serve_polls_beside_the_portal(cli, tmp_path):
    import os
    import signal
    import subprocess
    import time

    from tests.conftest import SHOPDESK
    from tests.test_serve import free_port

    one_order(cli, tmp_path, "1001")
    assert cli("ship", "1001", "--tracking", "9400109104250532908587").code == 0
    with FakeCarriers(lambda: datetime.now(UTC)) as fake:
        config = write(
            tmp_path,
            f'[carriers.usps]\nbase_url = "{fake.url}"\n'
            f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"\n',
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")}
        env.update(SHOPDESK_DATA_DIR=str(cli.data_dir), SHOPDESK_CONFIG=str(config))
        if pg := os.environ.get("SHOPDESK_TEST_DATABASE_URL"):
            env["SHOPDESK_DATABASE_URL"] = pg
        server = subprocess.Popen(
            [str(SHOPDESK), "serve", "--port", str(free_port())],
            env=env,
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while True:  # the poller asked USPS and recorded its answer
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "serve did not poll USPS"
                if fake.count("usps", "9400109104250532908587"):
                    order = json.loads(cli("orders", "show", "1001", "--json").out)
                    if order["shipments"][0]["milestone"] == "delivered":
                        break
                time.sleep(0.1)
        finally:
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=30) in (0, -signal.SIGTERM)
        assert "Traceback" not in server.stderr.read()
    assert fake.count("usps", "token") == 1
