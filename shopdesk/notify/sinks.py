"""Small, real local receivers for tests and benchmarks: an SMTP server and an HTTP server.

Both listen on 127.0.0.1 on a free port, run their own event loop in a background thread
(so they work the same for async code, blocking code and Apprise's worker threads), collect
what they receive and can be told to fail for a while::

    async with SMTPSink() as smtp, HTTPSink() as http:
        url = f"mailto://127.0.0.1:{smtp.port}/?from=shop@example.com&to=ann@example.com"
        ...
        [msg] = await smtp.wait_for(1)          # an email.message.EmailMessage
        smtp.refuse(451, count=2)               # the next two messages get "451 ..."
        http.fail(500)                          # every POST gets 500 ...
        http.recover()                          # ... until now

``wait_for(n, timeout)`` returns as soon as ``n`` items have arrived (no polling) and raises
``TimeoutError`` saying how many did. Nothing here is meant for production traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Generic, TypeVar

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

T = TypeVar("T")


class _ThreadedSink(Generic[T]):
    """A server on its own event loop thread that records items and wakes waiters."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.port = 0
        self._items: list[Any] = []  # as received; ``messages`` presents them
        self.rejected = 0  # how many items the sink refused on purpose
        self._lock = threading.Lock()
        self._waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the server thread and return once it listens (blocking)."""
        if self._thread is not None:
            return
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name=type(self).__name__, daemon=True)
        self._thread.start()
        ready.wait()
        self._server = asyncio.run_coroutine_threadsafe(self._listen(), loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        """Close the server and end its thread (blocking)."""
        if self._thread is None or self._loop is None:
            return
        loop = self._loop

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._server.wait_closed(), 1)
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(5)
        self._thread = None
        self._server = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self):
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    async def _listen(self) -> asyncio.AbstractServer:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- collecting ------------------------------------------------------------------------
    @property
    def messages(self) -> list[T]:
        """Everything received so far, oldest first."""
        return self._items

    def _record(self, item: Any) -> None:
        with self._lock:
            self._items.append(item)
            count = len(self._items)
            due = [w for w in self._waiters if w[0] <= count]
            self._waiters = [w for w in self._waiters if w[0] > count]
        for _, loop, future in due:
            with contextlib.suppress(RuntimeError):  # that loop has closed meanwhile
                loop.call_soon_threadsafe(_resolve, future)

    def clear(self) -> None:
        """Forget everything received so far."""
        with self._lock:
            self._items.clear()
            self.rejected = 0

    async def wait_for(self, n: int, timeout: float = 5.0) -> list[T]:
        """Wait until at least ``n`` items have arrived; return (a copy of) all of them."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        waiter = (n, loop, future)
        with self._lock:
            ready = len(self._items) >= n
            if not ready:
                self._waiters.append(waiter)
        if ready:
            return list(self.messages)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"{type(self).__name__} received {len(self._items)} of {n} "
                f"expected item(s) within {timeout}s"
            ) from None
        finally:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return list(self.messages)


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


# -- SMTP ----------------------------------------------------------------------------------
class SMTPSink(_ThreadedSink[EmailMessage]):
    """An aiosmtpd server collecting parsed messages (``.messages``) and envelopes.

    ``auth=True`` advertises AUTH PLAIN/LOGIN over plain text and accepts any credentials
    (logins are recorded in ``.logins``; passwords are not kept). ``delay`` seconds pass
    before each message is answered, like a real server that scans what it receives. ``tls``
    (a server-side ``ssl.SSLContext``) offers STARTTLS.
    """

    def __init__(
        self, auth: bool = False, delay: float = 0.0, tls: ssl.SSLContext | None = None
    ) -> None:
        super().__init__()
        self.auth = auth
        self.delay = delay
        self.tls = tls  # a server context: STARTTLS is offered
        self.envelopes: list[tuple[str, tuple[str, ...]]] = []  # (MAIL FROM, RCPT TOs)
        self.logins: list[str] = []
        self._parsed: list[EmailMessage] = []  # parsed on first look, not on arrival
        self._parse_lock = threading.Lock()
        self._refusal: tuple[int, str, str] | None = None  # (code, text, stage)
        self._refuse_left: int | None = None  # None: until accept()

    @property
    def messages(self) -> list[EmailMessage]:
        """The messages received so far, parsed (``email.policy.default``)."""
        with self._parse_lock:
            with self._lock:
                raws = self._items[len(self._parsed) :]
            for raw in raws:  # parsing costs ~1 ms: done here, not on the server's time
                self._parsed.append(email.message_from_bytes(raw, policy=email.policy.default))
        return self._parsed

    def clear(self) -> None:
        with self._parse_lock, self._lock:
            self._items.clear()
            self._parsed.clear()
            self.envelopes.clear()
            self.logins.clear()
            self.rejected = 0

    def refuse(
        self,
        code: int = 451,
        text: str = "4.3.0 Mailbox busy, try again later",
        count: int | None = None,
        stage: str = "data",
    ) -> None:
        """Answer ``code text`` instead of accepting, for the next ``count`` messages (or until
        :meth:`accept`). ``stage`` is ``"data"`` (after the message is sent) or ``"rcpt"``."""
        if stage not in ("data", "rcpt"):
            raise ValueError("stage must be 'data' or 'rcpt'")
        with self._lock:
            self._refusal = (code, text, stage)
            self._refuse_left = count

    def accept(self) -> None:
        """Accept messages again."""
        with self._lock:
            self._refusal = None
            self._refuse_left = None

    def _refusing(self, stage: str) -> str | None:
        with self._lock:
            if self._refusal is None or self._refusal[2] != stage:
                return None
            code, text, _ = self._refusal
            if self._refuse_left is not None:
                self._refuse_left -= 1
                if self._refuse_left <= 0:
                    self._refusal = None
                    self._refuse_left = None
            self.rejected += 1
            return f"{code} {text}"

    async def _rcpt(self, envelope: Envelope, address: str) -> str:
        refusal = self._refusing("rcpt")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def _data(self, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        refusal = self._refusing("data")
        if refusal:
            return refusal
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        with self._lock:
            self.envelopes.append((envelope.mail_from or "", tuple(envelope.rcpt_tos)))
        self._record(raw)
        return "250 Message accepted for delivery"

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            with self._lock:
                self.logins.append(auth_data.login.decode(errors="replace"))
        return AuthResult(success=True)

    async def _listen(self) -> asyncio.AbstractServer:
        loop = asyncio.get_running_loop()
        options: dict[str, Any] = {"hostname": "localhost", "loop": loop}
        if self.auth:
            options.update(auth_require_tls=False, authenticator=self._authenticate)
        if self.tls is not None:
            options["tls_context"] = self.tls
        handler = _SMTPHandler(self)  # aiosmtpd inspects its handler on every connection
        return await loop.create_server(lambda: SMTP(handler, **options), self.host, 0)


class _SMTPHandler:
    """The aiosmtpd handler: small, so that aiosmtpd's per-connection look at it is cheap."""

    def __init__(self, sink: SMTPSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        return await self.sink._rcpt(envelope, address)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return await self.sink._data(envelope)


# -- HTTP ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HTTPRequest:
    method: str
    path: str  # with the query string
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


_REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class HTTPSink(_ThreadedSink[HTTPRequest]):
    """A tiny HTTP/1.1 server (keep-alive, Content-Length or chunked bodies) that records
    every request it answers 2xx to, and can answer an error status for a while."""

    def __init__(self, status: int = 200) -> None:
        super().__init__()
        self.status = status
        self._failure: tuple[int, bytes] | None = None
        self._fail_left: int | None = None

    def fail(
        self,
        status: int = 500,
        count: int | None = None,
        body: bytes = b'{"error": "sink told to fail"}',
    ) -> None:
        """Answer ``status`` to the next ``count`` requests (or until :meth:`recover`)."""
        with self._lock:
            self._failure = (status, body)
            self._fail_left = count

    def recover(self) -> None:
        with self._lock:
            self._failure = None
            self._fail_left = None

    def _failing(self) -> tuple[int, bytes] | None:
        with self._lock:
            failure = self._failure
            if failure is None:
                return None
            if self._fail_left is not None:
                self._fail_left -= 1
                if self._fail_left <= 0:
                    self._failure = None
                    self._fail_left = None
            self.rejected += 1
            return failure

    async def _listen(self) -> asyncio.AbstractServer:
        return await asyncio.start_server(self._serve, self.host, 0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line.strip():
                    break
                method, target, version = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = h.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    body = await _read_chunked(reader)
                else:
                    body = await reader.readexactly(int(headers.get("content-length") or 0))
                failure = self._failing()
                if failure is None:
                    self._record(HTTPRequest(method, target, headers, body))
                    status, payload = self.status, b""
                else:
                    status, payload = failure
                keep = (
                    version.strip().upper() == "HTTP/1.1"
                    and headers.get("connection", "").lower() != "close"
                )
                writer.write(
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                    f"Connection: {'keep-alive' if keep else 'close'}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            await reader.readline()
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readline()
