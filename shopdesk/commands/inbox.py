"""``shopdesk inbox list|show|replay``: webhook deliveries as they arrived, and what became of
them."""

from __future__ import annotations

import hashlib
import json
from argparse import Namespace

from shopdesk.config import Settings
from shopdesk.errors import InvalidInput
from shopdesk.webhooks import inbox
from shopdesk.webhooks.signatures import (
    SHIPPO_SIGNATURE_HEADER,
    Rejected,
    given_signature,
    verify,
    verify_shippo_signature,
)


async def list_deliveries(settings: Settings, args: Namespace) -> int:
    rows = await inbox.list_inbox(args.status, args.source, args.limit)
    if not rows:
        print(
            "No webhook deliveries"
            + (" with that status/source" if args.status or args.source else " yet")
            + "."
        )
        return 0
    print(f"{'ID':>6}  {'RECEIVED (UTC)':<16}  {'SOURCE':<11}  {'STATUS':<9}  {'TOPIC':<22}  WHY")
    for r in rows:
        print(
            f"{r.id:>6}  {r.received_at:%Y-%m-%d %H:%M}  {r.source:<11}  {r.status:<9}  "
            f"{(r.topic or '-')[:22]:<22}  {r.error[:90]}"
        )
    return 0


async def show(settings: Settings, args: Namespace) -> int:
    entry = await inbox.get_entry(args.id)
    r = entry.row
    print(
        f"Delivery {r.id} from {r.source} ({entry.ref or 'unknown address'}), received "
        f"{r.received_at:%Y-%m-%d %H:%M:%S} UTC, {r.size:,} bytes"
    )
    print(f"Status: {r.status}" + (f" — {r.error}" if r.error else ""))
    if entry.processed_at:
        print(f"Processed: {entry.processed_at:%Y-%m-%d %H:%M:%S} UTC")
    if r.topic or r.event_id:
        print(f"Topic: {r.topic or '-'}   Delivery id: {r.event_id or '-'}")
    print("Headers:")
    for name, value in sorted(entry.headers.items()):
        print(f"  {name}: {value}")
    print("Body:")
    try:
        print(json.dumps(json.loads(entry.body), indent=2, ensure_ascii=False))
    except ValueError:
        print(entry.body)
    return 0


def check_signature(settings: Settings, entry: inbox.InboxEntry) -> str:
    """'' if the stored delivery verifies with the secret configured now, else why not."""
    source, headers = entry.row.source, entry.headers
    secret = settings.webhook_secrets.get(source, "")
    try:
        if source == "shippo":  # only the token's hash was kept: compare hashes
            signing = settings.webhook_signing_secrets.get(source, "")
            if secret or not signing:
                secret = hashlib.sha256(secret.encode()).hexdigest() if secret else ""
                verify(source, secret, b"", headers.get("token-sha256", ""))
            if signing:  # no age check: it was signed when it arrived, not now
                header = headers.get(SHIPPO_SIGNATURE_HEADER, "")
                verify_shippo_signature(signing, entry.body.encode(), header, now=None)
            return ""
        verify(source, secret, entry.body.encode(), given_signature(source, headers, {}))
    except Rejected as exc:
        return str(exc)
    return ""


async def replay(settings: Settings, args: Namespace) -> int:
    entry = await inbox.get_entry(args.id)
    if entry.row.status == "rejected":
        problem = check_signature(settings, entry)
        if problem and not args.force:
            raise InvalidInput(
                f"delivery {args.id} still does not verify: {problem}. Look at it with "
                f"'shopdesk inbox show {args.id}'; if you trust it, 'shopdesk inbox replay "
                f"{args.id} --force' processes it anyway"
            )
        print(
            "Processing it unverified, as you asked."
            if problem
            else "Its signature verifies with the secret configured now."
        )
    status, error = await inbox.replay(args.id)
    print(f"Delivery {args.id}: {status}" + (f" — {error}" if error else ""))
    return 0 if status in ("processed", "ignored") else 1
