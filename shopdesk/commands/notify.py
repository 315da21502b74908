"""``shopdesk worker``, ``shopdesk notify test|check|preview`` and ``shopdesk outbox``."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from argparse import Namespace

from shopdesk.config import Settings
from shopdesk.errors import InvalidInput
from shopdesk.notify.channels import channel_kind
from shopdesk.notify.check import check_channels, check_report, send_test
from shopdesk.notify.message import CHANNEL_KINDS, KINDS, RETURN_KINDS
from shopdesk.notify.send import Sender


async def check(settings: Settings, args: Namespace) -> int:
    problems = check_channels(settings)
    for ok, line in check_report(settings, problems):
        print(line, file=sys.stdout if ok or line not in problems else sys.stderr)
    return 1 if problems else 0


async def test(settings: Settings, args: Namespace) -> int:
    result = await send_test(settings, args.url)
    if result.ok:
        print("Sent.")
        return 0
    print(f"Not sent: {result.error}", file=sys.stderr)
    return 1


async def preview(settings: Settings, args: Namespace) -> int:
    from shopdesk.models import Order, Shipment
    from shopdesk.notify.compose import message_for
    from shopdesk.notify.render import render
    from shopdesk.services.common import get_order

    if args.milestone not in KINDS:
        raise InvalidInput(f"unknown milestone {args.milestone!r}; one of: {', '.join(KINDS)}")
    order = await get_order(args.number)
    order = await Order.get(id=order.id).select_related("customer").prefetch_related("items")
    shipment = await Shipment.filter(order_id=order.id).order_by("-id").first()
    kind = (
        args.channel
        if args.channel in CHANNEL_KINDS
        else channel_kind(args.channel, settings.channels.get(args.channel, ""))
    )
    reason = None
    if args.milestone in RETURN_KINDS:
        from shopdesk.models import Return

        ret = await Return.filter(order_id=order.id).order_by("-id").first()
        if ret is None:
            raise InvalidInput(
                f"order {order.number} has no return to preview {args.milestone!r} with"
            )
        reason = f"return:{ret.id}"
    message = await message_for(
        settings, order, shipment, args.milestone, reason=reason, locale=args.locale
    )
    override = settings.data_dir / "templates"
    rendered = render(message, kind, override_dir=override if override.is_dir() else None)
    print(f"Subject: {rendered.title}" if kind == "email" else f"Title: {rendered.title}")
    print()
    print(rendered.body if args.html or kind != "email" else rendered.text)
    if kind == "sms":
        print(f"\n({len(rendered.text)} characters, {rendered.segments} SMS segment(s))")
    return 0


async def outbox(settings: Settings, args: Namespace) -> int:
    from shopdesk.models import Notification

    query = Notification.all().select_related("order").order_by("-id").limit(args.limit)
    if args.failed:
        query = query.filter(status="failed")
    rows = await query
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": n.id,
                        "order": n.order.number,
                        "kind": n.kind,
                        "channel": n.channel,
                        "status": n.status,
                        "attempts": n.attempts,
                        "due_at": n.due_at.isoformat(),
                        "sent_at": n.sent_at.isoformat() if n.sent_at else None,
                        "last_error": n.last_error,
                    }
                    for n in rows
                ],
                indent=2,
            )
        )
        return 0
    if not rows:
        print("The outbox is empty." if not args.failed else "No failed messages.")
    zone = settings.zone
    for n in rows:
        when = (n.sent_at or n.due_at).astimezone(zone)
        error = f"  {n.last_error}" if n.last_error and n.status != "sent" else ""
        print(
            f"{n.id:>6}  {n.order.number:<10} {n.kind:<20} {n.channel:<8} {n.status:<8} "
            f"{n.attempts:>2}  {when:%Y-%m-%d %H:%M}{error}"
        )
    return 0


async def worker(settings: Settings, args: Namespace) -> int:
    from shopdesk.notify.worker import Worker

    for problem in check_channels(settings):
        print(f"warning: {problem}", file=sys.stderr)
    async with Sender(plugin_paths=settings.plugin_dirs) as sender:
        work = Worker(settings, sender)
        if args.once:
            report = await work.run_once()
            print(
                f"Sent {report.sent}, failed {report.failed} (gave up on {report.gave_up}), "
                f"skipped {report.skipped}, waiting for quiet hours to end {report.deferred}; "
                f"watch: {report.watched}; owner alerts sent {report.alerts_sent}."
            )
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        print("Worker running; Ctrl+C stops it.", file=sys.stderr)
        await work.run_forever(stop, interval=args.interval)
    return 0
