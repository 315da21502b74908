"""The plugins shipped in ``plugins/``, loaded the way Apprise loads any plugin folder
(``AppriseAsset(plugin_paths=[...])``) and driven through Apprise against local receivers."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import sys
import time
from pathlib import Path

import apprise
import pytest

from shopdesk.notify.message import Rendered
from shopdesk.notify.send import SHIPPED_PLUGINS, Sender
from shopdesk.notify.sinks import HTTPSink

ESC, GS = b"\x1b", b"\x1d"


@pytest.fixture(scope="module")
def asset() -> apprise.AppriseAsset:
    return apprise.AppriseAsset(plugin_paths=[str(SHIPPED_PLUGINS)])


def plugin_module(filename: str):
    """The module Apprise loaded from ``plugins/<filename>`` (to reach its helpers)."""
    path = str(SHIPPED_PLUGINS / filename)
    return next(m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == path)


async def notify(asset, url: str, body: str, title: str = "", body_format: str = "text"):
    apobj = apprise.Apprise(asset=asset)
    assert apobj.add(url), f"Apprise did not accept {url}"
    return bool(await apobj.async_notify(body=body, title=title, body_format=body_format))


# -- shopdesklog:// ------------------------------------------------------------------------
async def test_log_appends_one_json_line_per_message(asset, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert await notify(asset, "shopdesklog://logs/sent.jsonl", "Body one", "Title one")
    assert await notify(asset, "shopdesklog://logs/sent.jsonl", "<b>two</b>", "Two", "html")
    lines = (tmp_path / "logs" / "sent.jsonl").read_text().splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["title"] == "Title one" and first["body"] == "Body one"
    assert first["type"] == "info" and first["time"].endswith("+00:00")
    assert second["body"] == "<b>two</b>" and second["format"] == "html"


async def test_log_absolute_path_needs_three_slashes(asset, tmp_path, monkeypatch):
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    target = tmp_path / "abs" / "sent.jsonl"
    assert str(target).startswith("/")
    assert await notify(asset, f"shopdesklog://{target}", "absolute", "A")  # = ":///tmp/..."
    assert json.loads(target.read_text())["body"] == "absolute"
    relative = str(target).lstrip("/")
    assert await notify(asset, f"shopdesklog://{relative}", "relative", "R")
    assert json.loads((elsewhere / relative).read_text())["body"] == "relative"


def test_log_paths():
    log_path = plugin_module("shopdesk_log.py").log_path
    assert log_path({"host": "~", "fullpath": "/x.jsonl"}) == Path.home() / "x.jsonl"
    with pytest.raises(ValueError):
        log_path({"host": "", "fullpath": "/"})


# -- shopdeskhook:// -----------------------------------------------------------------------
async def test_webhook_posts_json_with_a_verifiable_signature(asset):
    secret = "s3cret-for-tests"
    async with HTTPSink() as http:
        url = f"shopdeskhook://127.0.0.1:{http.port}/hooks/shop?secret={secret}&shop=berlin"
        before = int(time.time())
        assert await notify(asset, url, "<p>Parcel late</p>", "Order #1001", "html")
        [request] = await http.wait_for(1)
    assert request.method == "POST" and request.path == "/hooks/shop?shop=berlin"
    assert secret not in request.path
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-shopdesk-signature"] == f"sha256={expected}"
    message = json.loads(request.body)
    assert message == {
        "type": "info",
        "title": "Order #1001",
        "body": "<p>Parcel late</p>",
        "format": "html",
        "timestamp": message["timestamp"],
    }
    assert int(request.headers["x-shopdesk-timestamp"]) == message["timestamp"] >= before
    assert request.headers["content-type"].startswith("application/json")


async def test_webhook_fails_on_errors_and_without_a_secret(asset):
    async with HTTPSink() as http:
        http.fail(500, count=1)
        base = f"shopdeskhook://127.0.0.1:{http.port}/in"
        assert not await notify(asset, f"{base}?secret=x", "body", "title")
        assert not await notify(asset, base, "body", "title")  # unsigned: refused
        assert await notify(asset, f"{base}?secret=x", "body", "title")
        assert len(http.messages) == 1 and http.rejected == 1


async def test_webhook_through_the_sender_explains_failures(asset):
    rendered = Rendered("Order #1001", "<p>late</p>", "html", "late")
    async with HTTPSink() as http, Sender() as sender:
        http.fail(503)
        result = await sender.send(
            f"shopdeskhook://127.0.0.1:{http.port}/in?secret=k3y-xyz", rendered
        )
    assert not result.ok and "503" in result.error and "k3y-xyz" not in result.error


def test_webhook_endpoints():
    endpoint = plugin_module("shopdesk_webhook.py").endpoint
    secure = {
        "schema": "shopdeskhooks",
        "host": "example.com",
        "port": 8443,
        "fullpath": "/a/b",
        "qsd": {"secret": "x", "timeout": "3", "k": "v"},
    }
    assert endpoint(secure) == "https://example.com:8443/a/b?k=v"
    assert endpoint({"schema": "shopdeskhook", "host": "::1", "qsd": {}}) == "http://[::1]/"


# -- escpos:// -----------------------------------------------------------------------------
class FakePrinter:
    """A raw TCP port-9100 printer: collects each connection's bytes."""

    async def __aenter__(self):
        self.jobs: list[bytes] = []
        self.done = asyncio.Event()
        self.server = await asyncio.start_server(self._job, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _job(self, reader, writer):
        self.jobs.append(await reader.read())  # until the sender shuts its side
        writer.close()
        self.done.set()

    async def __aexit__(self, *exc):
        self.server.close()
        await self.server.wait_closed()


async def test_escpos_prints_text_and_cuts(asset):
    body = "<p>Order <b>#1001</b> was returned. " + "Please check the parcel. " * 3 + "</p>"
    async with FakePrinter() as printer:
        url = f"escpos://127.0.0.1:{printer.port}?width=32&codepage=cp858"
        assert await notify(asset, url, body, "Return – 12 €", "html")
        await asyncio.wait_for(printer.done.wait(), 5)
    [job] = printer.jobs
    assert job.startswith(ESC + b"@" + ESC + b"t" + bytes([19]))  # init, code page 858
    assert ESC + b"E\x01" + "Return – 12 €".encode("cp858", "replace") in job
    assert job.endswith(ESC + b"d\x04" + GS + b"V\x01")  # feed 4 lines, partial cut
    text = job.decode("cp858")
    assert "<b>" not in text and "#1001" in text  # HTML became text
    printed = [line for line in text.split("\n") if "Please" in line or "parcel" in line]
    assert printed and all(len(line) <= 32 for line in printed)


async def test_escpos_unreachable_printer_fails(asset):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert not await notify(asset, f"escpos://127.0.0.1:{port}?timeout=2", "x", "y")
    assert not await notify(asset, "escpos://127.0.0.1?cut=sideways", "x", "y")
    async with Sender() as sender:
        result = await sender.send(f"escpos://127.0.0.1:{port}", Rendered("t", "b", "text", "b"))
    assert not result.ok and f"127.0.0.1:{port} not reachable" in result.error, result.error
