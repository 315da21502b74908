"""API keys for the JSON API: create (the plaintext is shown once), list, revoke, authenticate.

A key is ``sd_`` and 43 URL-safe random characters (256 bits). Only its SHA-256 is stored —
a fast hash is enough for a key that long — with its first 8 characters (the ``prefix``) to
tell keys apart in lists. Creating and revoking append to the change feed (no order: kind
``api_key``); using a key only refreshes ``last_used_at``, at most once a minute.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from shopdesk.errors import AlreadyExists, InvalidInput, NotFound
from shopdesk.models import ApiKey, Change
from shopdesk.services.common import ensure_aware, utcnow

KEY_PREFIX = "sd_"
PREFIX_LENGTH = 8
MAX_NAME = 100
MAX_KEY = 100  # longer "keys" are refused before any hashing or lookup
TOUCH_EVERY = timedelta(minutes=1)
CHANGE_KIND = "api_key"


@dataclass(frozen=True, slots=True)
class ApiKeyView:
    id: int
    name: str
    prefix: str  # the key's first 8 characters ("sd_AbC12"): shown to tell keys apart
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _view(key: ApiKey) -> ApiKeyView:
    return ApiKeyView(
        key.id, key.name, key.prefix, key.created_at, key.last_used_at, key.revoked_at
    )


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _clean_name(name: str) -> str:
    if not isinstance(name, str):
        raise InvalidInput("a key's name must be text")
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("give the key a name, such as the system that will use it")
    if len(cleaned) > MAX_NAME:
        raise InvalidInput(f"a key's name must be at most {MAX_NAME} characters")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in cleaned):
        raise InvalidInput("a key's name must not contain control characters")
    return cleaned


async def create_key(name: str) -> tuple[ApiKeyView, str]:
    """Create a key; returns its view and the plaintext, which is shown this once only.

    Raises:
        InvalidInput: an empty, too long or garbled name.
        AlreadyExists: an active key has this name already.
    """
    name = _clean_name(name)
    async with in_transaction():
        if await ApiKey.filter(name=name, revoked_at__isnull=True).exists():
            raise AlreadyExists(
                f"there is an active key named {name!r} already; revoke it "
                "first or choose another name"
            )
        while True:  # a prefix is 30 random bits: a clash is rare, but prefixes stay unique
            plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
            if not await ApiKey.filter(prefix=plaintext[:PREFIX_LENGTH]).exists():
                break
        key = await ApiKey.create(
            name=name, prefix=plaintext[:PREFIX_LENGTH], hash=_digest(plaintext)
        )
        await Change.create(order_id=None, kind=CHANGE_KIND)
    return _view(key), plaintext


async def list_keys(*, include_revoked: bool = True) -> list[ApiKeyView]:
    """Every key, newest first (revoked ones too unless ``include_revoked`` is False)."""
    query = ApiKey.all() if include_revoked else ApiKey.filter(revoked_at__isnull=True)
    return [_view(key) for key in await query.order_by("-id")]


async def revoke(prefix_or_id: str | int) -> ApiKeyView:
    """Revoke a key by its prefix (as listed, e.g. ``sd_AbC12``) or id; it stops working at
    once. Revoking twice is harmless.

    Raises:
        NotFound: no such key.
    """
    async with in_transaction():
        key = await _find(prefix_or_id)
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            await key.save(update_fields=["revoked_at"])
            await Change.create(order_id=None, kind=CHANGE_KIND)
    return _view(key)


async def _find(prefix_or_id: str | int) -> ApiKey:
    key = None
    if isinstance(prefix_or_id, int) and not isinstance(prefix_or_id, bool):
        key = await ApiKey.get_or_none(id=prefix_or_id)
    else:
        text = str(prefix_or_id).strip()
        if text.isdigit() and len(text) < 10:
            key = await ApiKey.get_or_none(id=int(text))
        elif text.startswith(KEY_PREFIX) and len(text) >= PREFIX_LENGTH:
            # The prefix as listed, or the whole key pasted by mistake: both name one key.
            key = await ApiKey.get_or_none(prefix=text[:PREFIX_LENGTH])
    if key is None:
        raise NotFound(
            f"no API key {str(prefix_or_id).strip()[:PREFIX_LENGTH]!r}; "
            "give its prefix (sd_…) or id as listed"
        )
    return key


async def authenticate(plaintext: str, *, now: datetime | None = None) -> ApiKeyView | None:
    """The active key ``plaintext`` is, or None (unknown, malformed or revoked: callers answer
    all three the same way). Marks the key used, at most once a minute."""
    if (
        not isinstance(plaintext, str)
        or not plaintext.startswith(KEY_PREFIX)
        or not PREFIX_LENGTH < len(plaintext) <= MAX_KEY
    ):
        return None
    key = await ApiKey.get_or_none(prefix=plaintext[:PREFIX_LENGTH])
    if (
        key is None
        or not hmac.compare_digest(key.hash, _digest(plaintext))
        or key.revoked_at is not None
    ):
        return None
    now = ensure_aware(now, "now") if now is not None else utcnow()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        # Conditional: of several requests in the same minute, one writes.
        await ApiKey.filter(id=key.id, last_used_at=key.last_used_at).update(last_used_at=now)
        key.last_used_at = now
    return _view(key)
