"""``shopdesk apikey create|list|revoke``: keys for the JSON API (``/api/v1``)."""

from __future__ import annotations

from argparse import Namespace

from shopdesk.config import Settings
from shopdesk.services import apikeys


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"


async def create(settings: Settings, args: Namespace) -> int:
    view, plaintext = await apikeys.create_key(args.name)
    print(
        f"Created API key {view.prefix}… named {view.name!r}. Copy it now; it is not shown again:"
    )
    print(plaintext)
    print("Send it as the header 'Authorization: Bearer <key>'.")
    return 0


async def list_keys(settings: Settings, args: Namespace) -> int:
    keys = await apikeys.list_keys(include_revoked=getattr(args, "all", True))
    if not keys:
        print("No API keys yet: 'shopdesk apikey create NAME' makes one.")
        return 0
    print(f"{'ID':>4}  {'PREFIX':<10}  {'STATUS':<8}  {'CREATED':<20}  {'LAST USED':<20}  NAME")
    for key in keys:
        status = "active" if key.active else "revoked"
        print(
            f"{key.id:>4}  {key.prefix:<10}  {status:<8}  {_when(key.created_at):<20}  "
            f"{_when(key.last_used_at):<20}  {key.name}"
        )
    return 0


async def revoke(settings: Settings, args: Namespace) -> int:
    view = await apikeys.revoke(args.key)
    print(f"Revoked API key {view.prefix} ({view.name}); it no longer works.")
    return 0
