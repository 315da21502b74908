"""`shopdesk serve` as a real process on 127.0.0.1, spoken to over HTTP."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.conftest import SHOPDESK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_in_browser(url: str, out) -> None:
    """What a customer sees in headless Chromium, at phone size and desktop size."""
    from tests.browser import dump_dom, require, screenshot

    require("chromium")
    dom = dump_dom(url)
    assert "Order 1001" in dom
    assert "Tracking history" in dom or "Nothing has shipped" in dom
    assert "@example.com" not in dom  # no email on the page
    for name, width, height in (("phone", 390, 844), ("desktop", 1280, 900)):
        shot = screenshot(url, out / f"tracking-{name}.png", width, height)
        png = shot.read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(png[16:20], "big") == width  # the page was laid out at that width
        assert len(png) > 10_000  # something was drawn


@pytest.mark.slow
def test_serve_answers_http_and_stops_on_sigterm(cli, tmp_path):
    assert cli("demo", "--seed-only", "--orders", "5").code == 0
    url = json.loads(cli("orders", "show", "1001", "--json").out)["tracking_url"]
    path = url.split("/", 3)[3]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")}
    env["SHOPDESK_DATA_DIR"] = str(cli.data_dir)
    if pg := os.environ.get("SHOPDESK_TEST_DATABASE_URL"):
        env["SHOPDESK_DATABASE_URL"] = pg
    server = subprocess.Popen(
        [str(SHOPDESK), "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    assert json.load(r) == {"status": "ok"}
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "the portal did not come up"
                time.sleep(0.1)
        with urllib.request.urlopen(f"{base}/{path}?lang=en", timeout=5) as r:
            html = r.read().decode()
            assert r.headers["Referrer-Policy"] == "no-referrer"
        assert "Order 1001" in html
        check_in_browser(f"{base}/{path}?lang=en", tmp_path)
    finally:
        server.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises SIGTERM as a well-behaved daemon does
        assert server.wait(timeout=30) in (0, -signal.SIGTERM)
    assert "Traceback" not in server.stderr.read()


@pytest.mark.slow
def test_demo_seeds_then_serves_the_portal(cli, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")}
    env["SHOPDESK_DATA_DIR"] = str(cli.data_dir)
    demo = subprocess.Popen(
        [str(SHOPDESK), "demo", "--orders", "10", "--no-tui", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = ""
        while "tracking page" not in line:
            line = demo.stdout.readline()
            assert line, "demo ended without printing a tracking page"
        url = line.split(": ", 1)[1].strip()
        assert url.startswith(f"http://127.0.0.1:{port}/t/")
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "?lang=en", timeout=2) as r:
                    assert "Order " in r.read().decode()
                    break
            except OSError:
                assert time.monotonic() < deadline, "the demo portal did not come up"
                time.sleep(0.1)
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=30)
