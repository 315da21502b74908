"""Signed sample webhooks posted to a real ``shopdesk serve`` on 127.0.0.1: each creates or
moves the right order and parcel exactly once; the inbox commands show what came in."""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import SHOPDESK
from tests.test_serve import free_port
from tests.webhook_samples import SECRETS, TRACKER_SAMPLES, sample, signed


def send(base: str, source: str, body: bytes, **kw) -> tuple[int, dict]:
    path, headers = signed(source, body, **kw)
    request = urllib.request.Request(base + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def generic_parcels(now: str) -> bytes:
    return json.dumps(
        {
            "id": "parcels-1",
            "shipments": [
                {
                    "order_number": "1001",
                    "tracking_number": tracking,
                    "carrier": source,
                    "shipped_at": now,
                }
                for source, (_, tracking, _) in TRACKER_SAMPLES.items()
            ],
        }
    ).encode()


@pytest.mark.slow
def test_signed_samples_to_a_running_serve(cli, tmp_path):
    config = tmp_path / "shopdesk.toml"
    config.write_text("".join(f'[webhooks.{s}]\nsecret = "{v}"\n' for s, v in SECRETS.items()))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")}
    env.update(SHOPDESK_DATA_DIR=str(cli.data_dir), SHOPDESK_CONFIG=str(config))
    if pg := os.environ.get("SHOPDESK_TEST_DATABASE_URL"):
        env["SHOPDESK_DATABASE_URL"] = pg
    server = subprocess.Popen(
        [str(SHOPDESK), "serve", "--port", str(port), "--no-worker"],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )

    def run(*args):
        return cli(*args, env={"SHOPDESK_CONFIG": str(config)})

    def settled():
        deadline = time.monotonic() + 30
        while "accepted" in run("inbox", "list", "--status", "accepted").out:
            assert time.monotonic() < deadline, "deliveries were not processed"
            time.sleep(0.1)

    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "the portal did not come up"
                time.sleep(0.1)
        order = sample("shopify_order_object_as_webhook_body.json")
        code, answer = send(base, "shopify", order, topic="orders/create", delivery="d-1")
        assert (code, answer["status"]) == (200, "accepted")
        settled()
        assert send(base, "generic", generic_parcels("2026-01-05T10:00:00Z"))[0] == 200
        settled()
        # Every tracker sample, each delivered twice at once (a sender's retry).
        bodies = [(s, sample(name)) for s, (name, _, _) in TRACKER_SAMPLES.items()] * 2
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda sb: send(base, *sb), bodies))
        assert all(code == 200 for code, _ in answers)
        assert sorted(a["status"] for _, a in answers) == ["accepted"] * 4 + ["duplicate"] * 4
        settled()
        shown = json.loads(run("orders", "show", "1001", "--json").out)
        parcels = {s["tracking_number"]: s for s in shown["shipments"]}
        assert parcels["1Z1234512345123456"]["carrier"] == "USPS"
        for _, tracking, milestone in TRACKER_SAMPLES.values():
            assert parcels[tracking]["milestone"] == milestone, tracking
        counts = {t: len(s["events"]) for t, s in parcels.items()}
        assert counts["1Z2617V10397725789"] == 5  # the 17TRACK sample's five scans, once each
        assert counts["111111111111"] == 14  # AfterShip's 14 checkpoints, once each
        assert shown["stage"] == "partly_delivered"
        # The same again, later: nothing changes.
        for source, body in bodies[:4]:
            assert send(base, source, body)[1]["status"] == "duplicate"
        settled()
        shown = json.loads(run("orders", "show", "1001", "--json").out)
        assert {s["tracking_number"]: len(s["events"]) for s in shown["shipments"]} == counts
        # A forgery is refused, kept, and not replayed without --force.
        forged = sample(TRACKER_SAMPLES["aftership"][0])
        code, answer = send(base, "aftership", forged, secret="forged-secret")
        assert code == 401
        listed = run("inbox", "list", "--status", "rejected").out
        assert str(answer["id"]) in listed and "wrong signature" in listed
        shown_raw = run("inbox", "show", str(answer["id"]))
        assert '"tracking_number": "111111111111"' in shown_raw.out
        assert "aftership-hmac-sha256" in shown_raw.out
        refused = run("inbox", "replay", str(answer["id"]))
        assert refused.code == 1 and "--force" in refused.err
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) in (0, -signal.SIGTERM)
    assert "Traceback" not in server.stderr.read()
