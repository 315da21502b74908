"""The worker end to end: a real SMTP server (aiosmtpd) and a real HTTP receiver on 127.0.0.1,
Apprise in between, an injected clock."""

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shopdesk.db import close_db, init_db
from shopdesk.models import Alert, Customer, Notification
from shopdesk.notify.optout import opt_out, unsubscribe_token
from shopdesk.notify.send import Sender
from shopdesk.notify.sinks import HTTPSink, SMTPSink
from shopdesk.notify.worker import Worker
from shopdesk.services import orders, shipments
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.services.shipments import NewEvent


class Clock:
    """Real time plus an offset the test moves forward (services plan by real time)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    @property
    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    @now.setter
    def now(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
async def sinks():
    async with SMTPSink() as smtp, HTTPSink() as http:
        yield smtp, http


@pytest.fixture
async def shop(settings, sinks):
    """A database whose channels point at the local sinks; yields (settings, worker, clock)."""
    smtp, http = sinks
    configured = replace(
        settings,
        channels={
            "email": f"mailto://127.0.0.1:{smtp.port}/?from=shop@example.com&to={{email}}",
            "hook": f"json://127.0.0.1:{http.port}/orders/{{order}}",
        },
        owner_urls=(f"json://127.0.0.1:{http.port}/owner",),
        quiet_hours=None,
    )
    from tests.conftest import PG_URL, reset_postgres

    if PG_URL:
        await reset_postgres(PG_URL)
    await init_db(configured)
    clock = Clock()
    async with Sender() as sender:
        yield configured, Worker(configured, sender, clock=clock), clock
    await close_db()


async def place(clock: Clock, number="1001", email="ada@example.com", **kw) -> None:
    await orders.create_order(
        NewOrder(
            number=number,
            placed_at=clock.now,
            currency="EUR",
            items=[NewItem("Mug", 1, 1800)],
            email=email,
            name="Ada Lovelace",
            country="DE",
            locale=kw.pop("locale", "en"),
            **kw,
        )
    )


def scan(clock: Clock, milestone: str, tracking="00340434161094042557") -> NewEvent:
    return NewEvent(
        tracking_number=tracking,
        occurred_at=clock.now,
        milestone=milestone,
        description=milestone.replace("_", " ").capitalize(),
    )


def hook_posts(http: HTTPSink) -> list:
    return [r for r in http.messages if r.path.startswith("/orders/")]


async def test_one_message_per_milestone_per_channel(shop, sinks):
    _settings, worker, clock = shop
    smtp, http = sinks
    await place(clock)
    await worker.run_once()
    await shipments.add_shipment(
        "1001", "00340434161094042557", carrier="DHL Paket", shipped_at=clock.now
    )
    await worker.run_once()
    for milestone in ("in_transit", "out_for_delivery", "delivered"):
        clock.advance(hours=6)
        await shipments.record_event(scan(clock, milestone))
        report = await worker.run_once()
        assert report.failed == 0
    emails = await smtp.wait_for(4)
    assert len(emails) == 4 and len(hook_posts(http)) == 4

    token = await orders_token("1001")
    link = f"https://shop.example/t/{token}"
    subjects = [m["Subject"] for m in emails]
    assert len(set(subjects)) == 4 and all("1001" in s for s in subjects)
    for message in emails:
        assert message["To"] == "ada@example.com"
        html = message.get_body(("html",)).get_content()
        text = message.get_body(("plain",)).get_content()
        assert link in html and link in text
    shipped_text = emails[1].get_body(("plain",)).get_content()
    assert "Estimated delivery:" in shipped_text, shipped_text
    assert {p.path for p in hook_posts(http)} == {"/orders/1001"}

    # Nothing more to say: another pass, a duplicate and a late "in transit" send nothing.
    await worker.run_once()
    await shipments.record_event(scan(clock, "delivered"))
    clock.advance(hours=1)
    await shipments.record_event(scan(clock, "in_transit"))
    await worker.run_once()
    assert len(smtp.messages) == 4 and len(hook_posts(http)) == 4
    assert await Notification.filter(status="sent").count() == 8


async def orders_token(number: str) -> str:
    from shopdesk.services.queries import order_token

    return await order_token(number)


async def test_smtp_refusing_for_a_while_is_retried_with_backoff(shop, sinks):
    _settings, worker, clock = shop
    smtp, _http = sinks
    smtp.refuse(451, count=2)
    await place(clock)
    report = await worker.run_once()
    assert report.failed == 1 and report.sent == 1  # the webhook went, the email did not
    row = await Notification.get(channel="email")
    assert row.status == "queued" and row.attempts == 1 and "451" in row.last_error
    first_delay = row.due_at - clock.now
    nothing_due = await worker.run_once()
    assert nothing_due.sent == nothing_due.failed == 0
    clock.now = row.due_at
    await worker.run_once()
    row = await Notification.get(channel="email")
    assert row.attempts == 2 and row.due_at - clock.now > first_delay  # backing off
    clock.now = row.due_at
    await worker.run_once()
    row = await Notification.get(channel="email")
    assert row.status == "sent" and row.attempts == 3
    assert len(await smtp.wait_for(1)) == 1


async def test_giving_up_lands_in_the_exceptions_queue_and_alerts_the_owner(shop, sinks):
    settings, worker, clock = shop
    smtp, http = sinks
    smtp.refuse(554, "5.7.1 Relay denied")
    await place(clock)
    for _ in range(settings.max_attempts):
        await worker.run_once()
        clock.advance(hours=3)
    row = await Notification.get(channel="email")
    assert row.status == "failed" and row.attempts == settings.max_attempts
    alert = await Alert.get(kind="notification_failed")
    assert "554" in alert.message or "Relay denied" in alert.message
    owner = [r for r in http.messages if r.path == "/owner"]
    assert len(owner) == 1 and "1001" in owner[0].json["message"]


async def test_stale_and_unwanted_messages_are_skipped_at_send_time(shop, sinks):
    _settings, worker, clock = shop
    smtp, _http = sinks
    await place(clock)
    await place(clock, "1002", email="bob@example.com")
    await shipments.add_shipment(
        "1001", "00340434161094042557", carrier="DHL Paket", shipped_at=clock.now
    )
    clock.advance(hours=1)
    await shipments.record_event(scan(clock, "out_for_delivery"))
    clock.advance(hours=1)
    await shipments.record_event(scan(clock, "delivered"))
    await orders.cancel_order("1002")
    await worker.run_once()
    sent = {(n.order_id, n.kind, n.channel): n.status for n in await Notification.all()}
    statuses = sorted(set(sent.values()))
    assert statuses == ["sent", "skipped"]
    kinds_sent = sorted({k for (_, k, _), s in sent.items() if s == "sent"})
    assert kinds_sent == ["confirmed", "delivered"]
    ofd = await Notification.get(kind="out_for_delivery", channel="email")
    assert ofd.status == "skipped" and "delivered" in ofd.last_error
    shipped = await Notification.get(kind="shipped", channel="email")
    assert shipped.status == "skipped"
    assert len(smtp.messages) == 2  # two confirmations... minus the cancelled order's
    assert {m["To"] for m in smtp.messages} == {"ada@example.com"}


async def test_opting_out_stops_queued_messages(shop, sinks):
    _settings, worker, clock = shop
    smtp, _ = sinks
    await place(clock)
    customer = await Customer.get(email="ada@example.com")
    assert await opt_out(await unsubscribe_token(customer.id))
    report = await worker.run_once()
    assert report.sent == 0 and report.skipped == 2  # the order's hook too: it is about them
    assert smtp.messages == []
    assert (await Notification.get(channel="email")).last_error == "the customer opted out"


async def test_quiet_hours_hold_chat_and_sms_but_not_email(shop, sinks):
    settings, worker, clock = shop
    smtp, http = sinks
    worker.settings = replace(settings, quiet_hours=(time(21), time(8)))
    berlin = ZoneInfo("Europe/Berlin")  # the customer's country's zone: the order has none
    clock.now = datetime.now(berlin).replace(hour=23, minute=30).astimezone(UTC)
    await place(clock)
    report = await worker.run_once()
    assert report.sent == 1 and report.deferred == 1
    assert len(await smtp.wait_for(1)) == 1 and hook_posts(http) == []
    held = await Notification.get(channel="hook")
    assert held.due_at.astimezone(berlin).hour == 8
    clock.now = held.due_at
    assert (await worker.run_once()).sent == 1
    assert len(hook_posts(http)) == 1


async def test_split_shipment_delivered_together_is_one_message(shop, sinks):
    _settings, worker, clock = shop
    smtp, _ = sinks
    await place(clock)
    await shipments.add_shipment("1001", "AAA111", carrier="DHL", shipped_at=clock.now)
    await shipments.add_shipment("1001", "BBB222", carrier="DHL", shipped_at=clock.now)
    await worker.run_once()
    clock.advance(hours=20)
    await shipments.record_events(
        [scan(clock, "delivered", "AAA111"), scan(clock, "delivered", "BBB222")]
    )
    await worker.run_once()
    emails = await smtp.wait_for(3)
    assert len(emails) == 3  # confirmed, shipped (both parcels), delivered (both parcels)
    delivered = emails[-1].get_body(("plain",)).get_content()
    assert "2" in delivered


async def test_template_override_in_the_data_dir(shop, sinks):
    settings, worker, clock = shop
    smtp, _ = sinks
    templates = settings.data_dir / "templates"
    templates.mkdir(parents=True)
    (templates / "email.txt").write_text("Custom words for order {{ m.order_number }}.")
    await place(clock)
    await worker.run_once()
    [email] = await smtp.wait_for(1)
    assert email.get_body(("plain",)).get_content().strip() == "Custom words for order 1001."


async def test_the_watch_through_the_worker(shop, sinks):
    _settings, worker, clock = shop
    smtp, http = sinks
    await place(clock)
    await shipments.add_shipment("1001", "AAA111", carrier="DHL", shipped_at=clock.now)
    await shipments.record_event(scan(clock, "in_transit", "AAA111"))
    await worker.run_once()
    smtp.clear()
    http.clear()
    clock.advance(days=10)
    report = await worker.run_once()
    assert report.watched["stalled"] == 1
    [email] = await smtp.wait_for(1)
    assert "1001" in email["Subject"]
    text = email.get_body(("plain",)).get_content()
    assert "sorry" in text and "New estimated delivery" in text
    owner = [r for r in http.messages if r.path == "/owner"]
    assert len(owner) == 1 and "AAA111" in owner[0].json["message"]
    assert await Alert.filter(kind="stalled").count() == 1
    clock.advance(hours=2)
    again = await worker.run_once()
    assert again.watched["stalled"] == 0 and again.sent == 0
    assert len(smtp.messages) == 1


class SlowSMTPSink(SMTPSink):
    """Accepts one message at a time, slowly: a worker killed now has messages in flight."""

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        if not hasattr(self, "_one_at_a_time"):
            self._one_at_a_time = asyncio.Lock()
        async with self._one_at_a_time:
            await asyncio.sleep(0.04)
            return await super().handle_DATA(server, session, envelope)


@pytest.mark.slow
async def test_a_worker_killed_mid_batch_loses_nothing(cli, tmp_path):
    import asyncio
    import json
    import os
    import signal
    import subprocess

    from tests.conftest import SHOPDESK

    count = 60
    rows = [
        f"{5000 + i},{datetime.now(UTC):%Y-%m-%dT%H:%M:%S+00:00},c{i}@example.com,,C {i},"
        "DE,10115,Berlin,EUR,,Mug,1,5"
        for i in range(count)
    ]
    (tmp_path / "orders.csv").write_text(
        "order_number,placed_at,email,phone,name,country,postcode,city,currency,sku,title,"
        "quantity,unit_price\n" + "\n".join(rows) + "\n"
    )
    with SlowSMTPSink() as smtp:
        config = tmp_path / "shop.toml"
        config.write_text(
            '[notifications]\nquiet_hours = ""\nlease_seconds = 1\n'
            "[notifications.channels]\n"
            f'email = "mailto://127.0.0.1:{smtp.port}/?from=shop@example.com&to={{email}}"\n'
        )
        run = lambda *args: asyncio.to_thread(cli, "--config", str(config), *args)  # noqa: E731
        assert (await run("import", "orders", str(tmp_path / "orders.csv"))).code == 0

        env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")}
        env["SHOPDESK_DATA_DIR"] = str(cli.data_dir)
        if pg := os.environ.get("SHOPDESK_TEST_DATABASE_URL"):
            env["SHOPDESK_DATABASE_URL"] = pg
        worker = subprocess.Popen(
            [str(SHOPDESK), "--config", str(config), "worker", "--interval", "0.2"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            await smtp.wait_for(10, timeout=60)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        received_at_kill = len(smtp.messages)
        assert received_at_kill < count, "the worker finished before it could be killed"
        outbox = json.loads((await run("outbox", "--json", "--limit", "500")).out)
        in_flight = sum(r["status"] == "sending" for r in outbox)
        assert in_flight > 0

        await asyncio.sleep(1.1)  # let the dead worker's lease run out
        finished = await run("worker", "--once")
        assert finished.code == 0, finished.err
        await smtp.wait_for(count, timeout=30)

        outbox = json.loads((await run("outbox", "--json", "--limit", "500")).out)
        assert {r["status"] for r in outbox} == {"sent"} and len(outbox) == count
        recipients = [m["To"] for m in smtp.messages]
        assert set(recipients) == {f"c{i}@example.com" for i in range(count)}
        duplicates = len(recipients) - count
        assert 0 <= duplicates <= in_flight
        print(f"killed with {in_flight} in flight; {duplicates} sent twice")
