"""`shopdesk notify test|check|preview`, `outbox` and `worker --once`, run as a person would."""

import asyncio
import json

from shopdesk.notify.sinks import HTTPSink, SMTPSink


def config(tmp_path, body: str):
    path = tmp_path / "shop.toml"
    path.write_text(body)
    return str(path)


async def test_notify_test_sends_or_says_why(cli):
    async with HTTPSink() as http:
        sent = await asyncio.to_thread(cli, "notify", "test", f"json://127.0.0.1:{http.port}/t")
        assert sent.code == 0 and "Sent" in sent.out
        [request] = await http.wait_for(1)
        assert "Test message" in request.json["message"]
        http.fail(500)
        failed = await asyncio.to_thread(cli, "notify", "test", f"json://127.0.0.1:{http.port}/t")
    assert failed.code == 1 and "Not sent" in failed.err and "500" in failed.err
    bogus = cli("notify", "test", "nosuchscheme://user:hunter2@example.com")
    assert bogus.code == 1 and "hunter2" not in bogus.err


def test_notify_check_names_the_key_without_secrets(cli, tmp_path):
    good = config(
        tmp_path,
        '[notifications.channels]\nemail = "mailtos://shop:s3cret@smtp.example.com?to={email}"\n',
    )
    result = cli("--config", good, "notify", "check")
    assert result.code == 0 and "channel email: ok (email)" in result.out
    bad = config(
        tmp_path,
        "[notifications.channels]\n"
        'sms = "bogus://SID:s3cret@+15551234567/{phone}"\n'
        'chat = "json://example.com/{nickname}"\n',
    )
    result = cli("--config", bad, "notify", "check")
    assert result.code == 1
    assert "notifications.channels.sms" in result.err and "s3cret" not in result.err
    assert "notifications.channels.chat: unknown placeholder {nickname}" in result.err
    wrong = config(tmp_path, '[notifications]\nquiet_hours = "late"\n')
    result = cli("--config", wrong, "notify", "check")
    assert result.code == 2 and "notifications.quiet_hours" in result.err
    unknown = config(tmp_path, '[notifications.milestones]\nin_transit = ["email"]\n')
    assert "not a milestone shopdesk notifies about" in cli("--config", unknown, "migrate").err


def test_notify_preview_renders_without_sending(cli):
    cli("demo", "--seed-only", "--orders", "5")
    email = cli("notify", "preview", "1001", "delivered")
    assert email.code == 0 and "Subject:" in email.out and "1001" in email.out
    assert "/t/" in email.out
    sms = cli("notify", "preview", "1001", "out_for_delivery", "--channel", "sms")
    assert sms.code == 0 and "SMS segment" in sms.out
    german = cli("notify", "preview", "1001", "shipped", "--locale", "de")
    assert german.code == 0 and "Bestellung" in german.out
    assert cli("notify", "preview", "1001", "teleported").code == 1
    assert "no order 9" in cli("notify", "preview", "9", "delivered").err


async def test_worker_once_and_outbox(cli, tmp_path):
    async with SMTPSink() as smtp:
        shop = config(
            tmp_path,
            '[notifications]\nquiet_hours = ""\n'
            "[notifications.channels]\n"
            f'email = "mailto://127.0.0.1:{smtp.port}/?from=s@example.com'
            '&to={email}"\n',
        )
        run = lambda *args: asyncio.to_thread(cli, "--config", shop, *args)  # noqa: E731
        (tmp_path / "o.csv").write_text(
            "order_number,placed_at,email,phone,name,country,postcode,city,currency,sku,title,"
            "quantity,unit_price\n1001,now,ada@example.com,,Ada,DE,1,B,EUR,,Mug,1,5\n"
        )
        assert (await run("import", "orders", str(tmp_path / "o.csv"))).code == 0
        queued = json.loads((await run("outbox", "--json")).out)
        assert [(r["order"], r["kind"], r["status"]) for r in queued] == [
            ("1001", "confirmed", "queued")
        ]
        done = await run("worker", "--once")
        assert done.code == 0 and "Sent 1" in done.out
        [message] = await smtp.wait_for(1)
        assert message["To"] == "ada@example.com"
        listed = await run("outbox")
        assert "confirmed" in listed.out and "sent" in listed.out
        assert "No failed messages" in (await run("outbox", "--failed")).out
