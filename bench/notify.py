"""``notify``: messages per second through ``Sender`` to a local SMTP server and a local HTTP
endpoint (``json://``) at 1, 10 and 50 concurrent, against raw aiosmtplib sends and raw httpx
posts of the same messages at the same concurrency, measured in the same run.

Also measured, to show what each of the Sender's fixes buys (see shopdesk/notify/send.py):
Apprise as-is (a new Apprise object per email, ``async_notify``); the Sender with a new SSL
context per email again; against a server that takes 50 ms per message, the Sender versus
``async_notify`` with only the SSL fix (so on Apprise's own 6-thread pool); one reused Apprise
object (its 5.5 s pause; full run only); and the first ``Apprise().add()`` of a fresh
process. The receivers run in a child process so that they do not compete with the senders
for this process's GIL.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from email.message import EmailMessage

import aiosmtplib
import apprise
import httpx

from shopdesk.notify import send
from shopdesk.notify.message import Rendered

LEVELS = (1, 10, 50)
SLOW_SMTP = 0.05  # seconds the "slow" SMTP server takes to accept a message
FROM, TO = "shop@example.com", "ada@example.com"
HTML = (
    "<html><body style='font-family:sans-serif'><h1>Your order #{n} has shipped</h1>"
    "<p>Hi Ada,</p><p>good news: your parcel with <b>2 × Stoneware mug</b> and "
    "<b>1 × Linen napkin set</b> left our workshop today with DHL.</p>"
    "<p>Expected delivery: <b>Tue 4 – Wed 5 November</b>.</p>"
    "<p><a href='https://shop.example/t/Xk3f9Qp2'>Follow your parcel</a></p>"
    "<p style='color:#666'>Questions? Just reply to this email.<br>Clay &amp; Linen, "
    "Berlin</p><p><a href='https://shop.example/u/Xk3f9Qp2'>No more updates</a></p>"
    "</body></html>"
)
TEXT = (
    "Hi Ada,\n\ngood news: your parcel with 2 x Stoneware mug and 1 x Linen napkin set "
    "left our workshop today with DHL.\n\nExpected delivery: Tue 4 - Wed 5 November.\n\n"
    "Follow your parcel: https://shop.example/t/Xk3f9Qp2\n\nQuestions? Just reply to this "
    "email.\nClay & Linen, Berlin\n\nNo more updates: https://shop.example/u/Xk3f9Qp2\n"
)


def rendered(i: int) -> Rendered:
    return Rendered(
        title=f"Your order #{1000 + i} has shipped",
        body=HTML.format(n=1000 + i),
        body_format="html",
        text=TEXT,
    )


def mime(i: int) -> EmailMessage:
    """What Apprise sends for ``rendered(i)``: the same headers, both parts."""
    r = rendered(i)
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = r.title, FROM, TO
    message.set_content(r.text)
    message.add_alternative(r.body, subtype="html")
    return message


def payload(i: int) -> bytes:
    """What Apprise's json:// posts for ``rendered(i)``."""
    r = rendered(i)
    return json.dumps(
        {"version": "1.0", "title": r.title, "message": r.body, "attachments": [], "type": "info"}
    ).encode()


# -- receivers in a child process ----------------------------------------------------------
def _serve_sinks(conn) -> None:
    from shopdesk.notify.sinks import HTTPSink, SMTPSink

    with SMTPSink() as smtp, HTTPSink() as http, SMTPSink(delay=SLOW_SMTP) as slow:
        conn.send((smtp.port, http.port, slow.port))
        while (command := conn.recv()) != "stop":
            if command == "counts":
                conn.send((len(smtp.messages), len(http.messages), len(slow.messages)))
            elif command == "clear":
                for sink in (smtp, http, slow):
                    sink.clear()
                conn.send(None)


class Receivers:
    def __enter__(self) -> Receivers:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve_sinks, args=(child,), daemon=True)
        self.process.start()
        self.smtp_port, self.http_port, self.slow_smtp_port = self.conn.recv()
        return self

    def counts(self) -> tuple[int, int, int]:
        self.conn.send("counts")
        return self.conn.recv()

    def clear(self) -> None:
        self.conn.send("clear")
        self.conn.recv()

    def __exit__(self, *exc: object) -> None:
        self.conn.send("stop")
        self.process.join(10)


# -- measuring -----------------------------------------------------------------------------
async def rate(one: Callable[[int], Awaitable[bool]], n: int, concurrency: int) -> float:
    """Messages per second for ``n`` calls of ``one``, ``concurrency`` at a time."""
    for i in range(min(10, n)):  # warm up: connections, caches, threads
        await one(i)
    indices = iter(range(n))
    failures = []

    async def worker() -> None:
        for i in indices:
            if not await one(i):
                failures.append(i)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"{len(failures)} of {n} sends failed")
    return n / elapsed


async def delivered(receivers: Receivers, run: Awaitable[float], n: int, kind: int) -> float:
    """Run a measurement and check every message (plus warm-up ones) really arrived."""
    receivers.clear()
    value = await run
    got = receivers.counts()[kind]
    if got < n:
        raise RuntimeError(f"only {got} of {n} messages arrived")
    return value


def first_add_seconds(url: str) -> float:
    """The first ``Apprise().add()`` in a fresh interpreter (the plugin import)."""
    code = (
        "import time, apprise; t = time.perf_counter(); "
        f"apprise.Apprise().add({url!r}); print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


async def run(quick: bool = False) -> dict:
    emails = {1: 30, 10: 100, 50: 200} if quick else {1: 300, 10: 1000, 50: 2000}
    posts = {1: 50, 10: 200, 50: 400} if quick else {1: 500, 10: 2000, 50: 4000}
    few = 50 if quick else 200  # for the variants that do ~40 emails/s
    figures: dict[str, dict] = {}
    notes: dict[str, float] = {}

    with Receivers() as receivers:
        mail_url = f"mailto://127.0.0.1:{receivers.smtp_port}/?from={FROM}&to={TO}"
        hook_url = f"json://127.0.0.1:{receivers.http_port}/orders"

        # Apprise as-is, before anything of ours is installed: a new object per email (a
        # reused one pauses 5.5 s between emails), async_notify on Apprise's own pool.
        apprise.Apprise().add(mail_url)  # plugin import, outside the timing

        slow_url = f"mailto://127.0.0.1:{receivers.slow_smtp_port}/?from={FROM}&to={TO}"

        def as_is(url: str) -> Callable[[int], Awaitable[bool]]:
            async def one(i: int) -> bool:
                apobj = apprise.Apprise()
                apobj.add(url)
                r = rendered(i)
                return bool(
                    await apobj.async_notify(body=r.body, title=r.title, body_format="html")
                )

            return one

        as_is_rate = await delivered(receivers, rate(as_is(mail_url), few, 50), few, 0)

        if not quick:  # one reused object: the second email waits for the 5.5 s pause
            reused = apprise.Apprise()
            reused.add(mail_url)
            await reused.async_notify(body=HTML, title="first", body_format="html")
            began = time.perf_counter()
            await reused.async_notify(body=HTML, title="second", body_format="html")
            notes["reused"] = 1 / (time.perf_counter() - began)

        notes["first_add_ms"] = first_add_seconds(mail_url) * 1000

        async with send.Sender(concurrency=max(LEVELS)) as sender:
            began = time.perf_counter()
            apprise.Apprise(asset=sender.asset).add(hook_url)
            notes["warm_add_ms"] = (time.perf_counter() - began) * 1000

            async def via_sender_mail(i: int) -> bool:
                return (await sender.send(mail_url, rendered(i))).ok

            async def via_sender_hook(i: int) -> bool:
                return (await sender.send(hook_url, rendered(i))).ok

            async def via_sender_slow(i: int) -> bool:
                return (await sender.send(slow_url, rendered(i))).ok

            async def raw_mail(i: int, port: int = receivers.smtp_port) -> bool:
                errors, _ = await aiosmtplib.send(mime(i), hostname="127.0.0.1", port=port)
                return not errors

            async def raw_slow(i: int) -> bool:
                return await raw_mail(i, receivers.slow_smtp_port)

            for c in LEVELS:
                n = emails[c]
                base = await delivered(receivers, rate(raw_mail, n, c), n, 0)
                ours = await delivered(receivers, rate(via_sender_mail, n, c), n, 0)
                figures[f"email x{c}: raw aiosmtplib (base)"] = {
                    "value": base,
                    "unit": "emails/s",
                    "ratio": 1.0,
                }
                figures[f"email x{c}: Sender"] = {
                    "value": ours,
                    "unit": "emails/s",
                    "ratio": ours / base,
                }
            base50 = figures["email x50: raw aiosmtplib (base)"]["value"]

            send.share_ssl_contexts = False
            try:
                no_ssl_fix = await delivered(receivers, rate(via_sender_mail, few, 50), few, 0)
            finally:
                send.share_ssl_contexts = True
            # A server that takes 50 ms per message: threads, not CPU, are the limit now.
            slow_base = await delivered(receivers, rate(raw_slow, few, 50), few, 2)
            slow_ours = await delivered(receivers, rate(via_sender_slow, few, 50), few, 2)
            slow_pool = await delivered(receivers, rate(as_is(slow_url), few, 50), few, 2)

            for c in LEVELS:
                n = posts[c]
                limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)
                async with httpx.AsyncClient(limits=limits) as client:

                    async def raw_hook(i: int, client=client) -> bool:
                        response = await client.post(
                            f"http://127.0.0.1:{receivers.http_port}/orders",
                            content=payload(i),
                            headers={"Content-Type": "application/json"},
                        )
                        return response.status_code == 200

                    base = await delivered(receivers, rate(raw_hook, n, c), n, 1)
                ours = await delivered(receivers, rate(via_sender_hook, n, c), n, 1)
                figures[f"webhook x{c}: raw httpx (base)"] = {
                    "value": base,
                    "unit": "posts/s",
                    "ratio": 1.0,
                }
                figures[f"webhook x{c}: Sender json://"] = {
                    "value": ours,
                    "unit": "posts/s",
                    "ratio": ours / base,
                }

    figures["email x50: Apprise as-is"] = {
        "value": as_is_rate,
        "unit": "emails/s",
        "ratio": as_is_rate / base50,
    }
    figures["email x50: Sender, SSL ctx per send"] = {
        "value": no_ssl_fix,
        "unit": "emails/s",
        "ratio": no_ssl_fix / base50,
    }
    figures["slow SMTP x50: raw aiosmtplib (base)"] = {
        "value": slow_base,
        "unit": "emails/s",
        "ratio": 1.0,
    }
    figures["slow SMTP x50: Sender"] = {
        "value": slow_ours,
        "unit": "emails/s",
        "ratio": slow_ours / slow_base,
    }
    figures["slow SMTP x50: as-is+SSL fix, pool"] = {
        "value": slow_pool,
        "unit": "emails/s",
        "ratio": slow_pool / slow_base,
    }
    if "reused" in notes:
        figures["email: one reused Apprise object"] = {
            "value": notes["reused"],
            "unit": "emails/s",
            "ratio": notes["reused"] / base50,
        }
    figures["first Apprise().add(), new process"] = {
        "value": notes["first_add_ms"],
        "unit": "ms",
        "ratio": None,
    }
    figures["add() with the Sender's registry"] = {
        "value": notes["warm_add_ms"],
        "unit": "ms",
        "ratio": None,
    }
    return {
        "benchmark": "notify",
        "description": "notifications/s through Sender to a local aiosmtpd server and a local "
        "HTTP endpoint, at 1, 10 and 50 concurrent",
        "baseline": "raw aiosmtplib.send() (new connection per email, same MIME parts) and "
        "raw httpx.AsyncClient posts (keep-alive pool) of the same messages at the "
        "same concurrency, in the same run; x50 variants are against the x50 "
        f"aiosmtplib figure; 'slow SMTP' is a server taking {SLOW_SMTP * 1000:.0f} "
        "ms per message",
        "emails": emails,
        "posts": posts,
        "figures": figures,
    }
