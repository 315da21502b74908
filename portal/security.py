"""Security headers on every response, and a per-client rate limiter for lookups."""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict

from litestar.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data: https:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",  # the token is in the URL
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
SECURITY_HEADERS = [(name.lower().encode(), value.encode()) for name, value in HEADERS.items()]
_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)


def security_headers(app: ASGIApp) -> ASGIApp:
    """ASGI middleware adding :data:`HEADERS` to every HTTP response."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":  # ours replace any of the same name
                message["headers"] = [
                    *(h for h in message.get("headers", ()) if h[0].lower() not in _NAMES),
                    *SECURITY_HEADERS,
                ]
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


def client_ip(peer: str | None, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """The client's address: X-Forwarded-For is believed only from a trusted proxy."""
    peer = peer or "unknown"
    if not forwarded_for or not trusted:
        return peer
    networks = [ipaddress.ip_network(t, strict=False) for t in trusted]
    try:
        if not any(ipaddress.ip_address(peer) in n for n in networks):
            return peer
    except ValueError:
        return peer
    # Walk from the nearest hop back; the first address that is not a trusted proxy is the client.
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        try:
            if not any(ipaddress.ip_address(hop) in n for n in networks):
                return hop
        except ValueError:
            return peer
    return peer


class RateLimiter:
    """At most ``limit`` attempts per ``window`` seconds per key (a sliding log, in memory)."""

    def __init__(self, limit: int = 10, window: float = 600.0, max_keys: int = 100_000) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._hits: OrderedDict[str, list[float]] = OrderedDict()

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = [t for t in self._hits.pop(key, []) if now - t < self.window]
        allowed = len(hits) < self.limit
        if allowed:
            hits.append(now)
        self._hits[key] = hits
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)
        return allowed
