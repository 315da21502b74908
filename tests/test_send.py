"""``Sender`` against real local receivers: an aiosmtpd server and a small HTTP server."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import ssl
import subprocess
import time

import apprise
import pytest

from shopdesk.notify import send
from shopdesk.notify.message import Rendered
from shopdesk.notify.send import (
    SHIPPED_PLUGINS,
    Sender,
    SendResult,
    load_plugins,
    plugin_dirs,
    validate_url,
)
from shopdesk.notify.sinks import HTTPSink, SMTPSink

RENDERED = Rendered(
    title="Your order #1001 has shipped",
    body="<p>Hi Ada,</p><p>your order <b>#1001</b> is on its way: "
    "<a href='https://shop.example/t/abc'>track it</a>.</p>",
    body_format="html",
    text="Hi Ada,\n\nyour order #1001 is on its way: https://shop.example/t/abc\n",
)
FROM_TO = "from=shop@example.com&to=ada@example.com"


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def smtp():
    async with SMTPSink() as sink:
        yield sink


@pytest.fixture
async def http():
    async with HTTPSink() as sink:
        yield sink


@pytest.fixture
async def sender():
    async with Sender(concurrency=20) as s:
        yield s


def mailto(sink: SMTPSink, userinfo: str = "") -> str:
    return f"mailto://{userinfo}127.0.0.1:{sink.port}/?{FROM_TO}"


async def test_email_has_subject_recipient_html_and_our_plain_text(smtp, sender):
    result = await sender.send(mailto(smtp), RENDERED)
    assert result == SendResult(True, "")
    [message] = await smtp.wait_for(1)
    assert message["Subject"] == RENDERED.title
    assert message["To"] == "ada@example.com" and "shop@example.com" in message["From"]
    assert smtp.envelopes == [("shop@example.com", ("ada@example.com",))]
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("html",)).get_content().strip() == RENDERED.body
    # The template's own plain text, not Apprise's conversion of the HTML.
    plain = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert plain.strip() == RENDERED.text.strip()


async def test_the_plain_text_swap_is_scoped_to_our_sends(smtp, sender):
    await sender.send(mailto(smtp), RENDERED)  # installs everything
    plain = apprise.Apprise()
    plain.add(mailto(smtp))
    assert await asyncio.to_thread(
        plain.notify, body=RENDERED.body, title="direct", body_format="html"
    )
    _, direct = await smtp.wait_for(2)
    text = direct.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "track it" in text and text.strip() != RENDERED.text.strip()  # Apprise's own


async def test_json_post(http, sender):
    result = await sender.send(f"json://127.0.0.1:{http.port}/orders/1001", RENDERED)
    assert result.ok, result.error
    [request] = await http.wait_for(1)
    assert request.method == "POST" and request.path == "/orders/1001"
    assert request.headers["content-type"] == "application/json"
    assert request.json["title"] == RENDERED.title
    assert request.json["message"] == RENDERED.body


async def test_smtp_refusal_is_reported_in_smtp_words_then_recovers(smtp, sender):
    smtp.refuse(451, count=1)
    result = await sender.send(mailto(smtp), RENDERED)
    assert not result.ok
    assert "451" in result.error and "Mailbox busy" in result.error, result.error
    assert (await sender.send(mailto(smtp), RENDERED)).ok
    smtp.refuse(554, "5.7.1 Relay denied", stage="rcpt")
    for _ in range(2):
        result = await sender.send(mailto(smtp), RENDERED)
        assert not result.ok and "554 5.7.1 Relay denied" in result.error, result.error
    smtp.accept()
    assert (await sender.send(mailto(smtp), RENDERED)).ok
    assert len(await smtp.wait_for(2)) == 2 and smtp.rejected == 3


async def test_refused_connections_say_so(sender):
    port = free_port()
    email = await sender.send(f"mailto://127.0.0.1:{port}/?{FROM_TO}", RENDERED)
    hook = await sender.send(f"json://127.0.0.1:{port}/x", RENDERED)
    for result in (email, hook):
        assert not result.ok and "Connection refused" in result.error, result.error
    assert "127.0.0.1" in email.error  # hosts are not secrets


async def test_http_errors_are_reported(http, sender):
    http.fail(500, count=1)
    result = await sender.send(f"json://127.0.0.1:{http.port}/x", RENDERED)
    assert not result.ok and "500" in result.error
    assert (await sender.send(f"json://127.0.0.1:{http.port}/x", RENDERED)).ok


async def test_no_secret_ever_appears_in_an_error(smtp, http, sender):
    password, token = "Hunter2-pw", "tok3n-9f8e7d"
    smtp.refuse(451)
    http.fail(503)
    urls = [
        mailto(smtp, f"shop:{password}@"),  # plain SMTP: AUTH is refused before the 451
        f"mailto://shop:{password}@127.0.0.1:{free_port()}/?{FROM_TO}",
        f"json://user:{password}@127.0.0.1:{http.port}/hook?token={token}",
        f"json://user:{password}@127.0.0.1:{free_port()}/hook?token={token}",
        f"nosuchscheme://user:{password}@example.com/{token}",
        f"mailto://user:{password}@/?to=",
    ]
    results = await asyncio.gather(*(sender.send(url, RENDERED) for url in urls))
    for url, result in zip(urls, results, strict=True):
        assert not result.ok and result.error, url
        assert password not in result.error and token not in result.error, result.error
    assert "AUTH" in results[0].error


async def test_login_is_used_when_the_server_offers_auth(sender):
    async with SMTPSink(auth=True) as smtp:
        result = await sender.send(mailto(smtp, "shop:Hunter2-pw@"), RENDERED)
        assert result.ok, result.error
        await smtp.wait_for(1)
        assert smtp.logins == ["shop"]


async def test_many_concurrent_emails_all_arrive_without_throttling(smtp):
    async with Sender(concurrency=50) as sender:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(
                sender.send(mailto(smtp), Rendered(f"Order #{i}", f"<p>{i}</p>", "html", str(i)))
                for i in range(100)
            )
        )
        elapsed = time.perf_counter() - started
    assert all(r.ok for r in results), {r.error for r in results if not r.ok}
    messages = await smtp.wait_for(100)
    assert sorted(m["Subject"] for m in messages) == sorted(f"Order #{i}" for i in range(100))
    assert elapsed < 20  # Apprise's default 5.5 s per-instance pause would take ~9 minutes


async def test_no_ssl_context_is_built_per_email(smtp, sender, monkeypatch):
    built = []
    real = ssl.create_default_context
    monkeypatch.setattr(
        ssl, "create_default_context", lambda *a, **k: built.append(1) or real(*a, **k)
    )
    results = await asyncio.gather(*(sender.send(mailto(smtp), RENDERED) for _ in range(5)))
    assert all(r.ok for r in results)
    assert built == []  # plain SMTP: none at all; TLS: one shared per verification setting


@pytest.fixture(scope="module")
def server_tls(tmp_path_factory) -> ssl.SSLContext:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if not shutil.which("openssl"):
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def test_starttls_shares_one_context_and_still_verifies(server_tls, sender, monkeypatch):
    built = []
    real = ssl.create_default_context
    monkeypatch.setattr(
        ssl, "create_default_context", lambda *a, **k: built.append(1) or real(*a, **k)
    )
    async with SMTPSink(tls=server_tls) as smtp:
        base = f"mailtos://127.0.0.1:{smtp.port}/?{FROM_TO}&mode=starttls"
        results = await asyncio.gather(
            *(sender.send(f"{base}&verify=no", RENDERED) for _ in range(5))
        )
        assert all(r.ok for r in results), results
        assert len(await smtp.wait_for(5)) == 5
        assert len(built) <= 1  # the shared no-verify context, if no earlier test built it
        checked = await sender.send(f"{base}&verify=yes", RENDERED)  # self-signed: refused
        assert not checked.ok and "CERTIFICATE_VERIFY_FAILED" in checked.error
        assert "certificate verify failed" in checked.error  # option names are not masked
    assert len(smtp.messages) == 5


def test_deferred_contexts_share_without_leaking_settings():
    from apprise.plugins.email import smtp as apprise_smtp

    load_plugins()
    assert isinstance(apprise_smtp.ssl, send._SSLForApprise)
    assert apprise_smtp.ssl.CERT_NONE is ssl.CERT_NONE  # everything else is the real module
    a, b = apprise_smtp.ssl.create_default_context(), apprise_smtp.ssl.create_default_context()
    assert a._context() is b._context()
    assert a._context().verify_mode == ssl.CERT_REQUIRED and a._context().check_hostname
    lax = apprise_smtp.ssl.create_default_context()
    lax.check_hostname = False
    lax.verify_mode = ssl.CERT_NONE
    assert lax._context() is not a._context() and lax._context().verify_mode == ssl.CERT_NONE
    assert a._context().verify_mode == ssl.CERT_REQUIRED  # the shared one was not touched
    odd = apprise_smtp.ssl.create_default_context()
    odd.minimum_version = ssl.TLSVersion.TLSv1_3  # anything else: a private context
    assert odd._context() is not a._context()
    assert a._context().minimum_version != ssl.TLSVersion.TLSv1_3


async def test_apprise_debug_lines_do_not_reach_the_application_log(smtp, sender):
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        smtp.refuse(451, count=1)
        result = await sender.send(mailto(smtp), RENDERED)
    finally:
        root.removeHandler(handler)
    assert "451" in result.error  # captured from a DEBUG line ...
    apprise_records = [r for r in seen if r.name == "apprise"]
    assert apprise_records and all(
        r.levelno >= root.getEffectiveLevel() for r in apprise_records
    )  # ... that we kept to ourselves


async def test_a_send_that_takes_too_long_is_reported():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections into the backlog, never answers
    port = listener.getsockname()[1]
    try:
        async with Sender(timeout=0.3) as sender:
            result = await sender.send(f"json://127.0.0.1:{port}/x?rto=1&cto=1", RENDERED)
            assert not result.ok and "no answer within 0.3 s" in result.error
    finally:
        listener.close()


async def test_text_only_services_get_our_plain_text():
    load_plugins()
    service = apprise.Apprise.instantiate("escpos://127.0.0.1")  # a text-only plugin
    assert send._choose_body(service, RENDERED) == (RENDERED.text, "text", None)
    email = apprise.Apprise.instantiate("mailto://127.0.0.1/?to=a@example.com&from=b@example.com")
    assert send._choose_body(email, RENDERED) == (RENDERED.body, "html", RENDERED.text)


def test_validate_url():
    assert validate_url("mailtos://shop:s3cretpw@smtp.example.com?to=ada@example.com") is None
    assert validate_url("json://hooks.example.com/shopdesk") is None
    assert validate_url("shopdeskhook://hooks.example.com/in?secret=x") is None  # shipped plugin
    assert "no Apprise plugin handles nosuchscheme://" in validate_url(
        "nosuchscheme://user:s3cretpw@example.com"
    )
    assert "not an Apprise URL" in validate_url("just words")
    assert "letters and digits" in validate_url("my-plugin://x")
    reason = validate_url("mailto://user:s3cretpw@/?to=")
    assert reason and "s3cretpw" not in reason
    assert "Telegram" in validate_url("tgram://bot/")  # Apprise's own words


def test_plugin_dirs_put_the_shipped_folder_first(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    assert SHIPPED_PLUGINS.is_dir() and not (SHIPPED_PLUGINS / "__init__.py").exists()
    assert plugin_dirs([mine, tmp_path / "missing", mine]) == [SHIPPED_PLUGINS, mine]
    assert load_plugins([mine]) is load_plugins([mine])  # loaded once, one shared asset


async def test_closed_sender_refuses_work():
    sender = Sender()
    await sender.close()
    with pytest.raises(RuntimeError):
        await sender.send("json://localhost", RENDERED)
