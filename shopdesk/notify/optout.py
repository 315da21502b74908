"""Per-customer opt-out through a signed unsubscribe link (the portal serves the page)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from shopdesk.config import Settings
from shopdesk.db import current_settings
from shopdesk.models import Customer, Secret
from shopdesk.services.common import utcnow

_cache: dict[str, bytes] = {}


async def signing_key() -> bytes:
    """The shop's signing key, made on first use and shared by every process via the database."""
    database = current_settings().db_url
    if database not in _cache:
        row, _ = await Secret.get_or_create(
            name="unsubscribe", defaults={"value": secrets.token_hex(32)}
        )
        _cache[database] = bytes.fromhex(row.value)
    return _cache[database]


def _signature(key: bytes, customer_id: int) -> str:
    digest = hmac.new(key, f"unsubscribe:{customer_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


async def unsubscribe_token(customer_id: int) -> str:
    return f"{customer_id}.{_signature(await signing_key(), customer_id)}"


def unsubscribe_url(settings: Settings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/u/{token}"


async def check_token(token: str) -> int | None:
    """The customer id an unsubscribe token was made for, or None if it is not genuine."""
    customer_id, _, signature = token.partition(".")
    if not customer_id.isdigit() or len(customer_id) > 12 or len(signature) > 64:
        return None
    expected = _signature(await signing_key(), int(customer_id))
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return None
    return int(customer_id) if await Customer.exists(id=int(customer_id)) else None


async def opt_out(token: str) -> bool:
    """Honour an unsubscribe link: True if the token is genuine (the customer is opted out)."""
    customer_id = await check_token(token)
    if customer_id is None:
        return False
    await Customer.filter(id=customer_id, opted_out_at__isnull=True).update(opted_out_at=utcnow())
    return True
