"""``shopdesk orders list|show``, ``ship``, ``event``, ``cancel``, ``note``."""

from __future__ import annotations

import json
import sys
from argparse import Namespace
from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shopdesk.config import Settings
from shopdesk.errors import InvalidInput
from shopdesk.parsing import ago, format_money, parse_time
from shopdesk.services import orders, queries, shipments
from shopdesk.views import OrderView

# Wide when piped, so nothing is cut; the terminal's width otherwise.
console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)


def label(stage_or_milestone: str) -> str:
    return stage_or_milestone.replace("_", " ")


async def list_orders(settings: Settings, args: Namespace) -> int:
    page = await queries.list_orders(
        search=args.search,
        stage=args.stage,
        carrier=args.carrier,
        attention=True if args.attention else None,
        limit=args.limit,
    )
    if args.json:
        views = await queries.order_views(settings, [r.number for r in page.rows])
        print(json.dumps([v.to_json() for v in views], ensure_ascii=False, indent=2))
        return 0
    if not page.rows:
        console.print(
            "No orders match."
            if (args.search or args.stage or args.carrier or args.attention)
            else "No orders yet: try 'shopdesk import orders FILE' or 'shopdesk demo'."
        )
        return 0
    zone = settings.zone
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("Order", "Placed", "Customer", "Country", "Stage", "Total", "Attention"):
        table.add_column(
            column,
            justify="right" if column == "Total" else "left",
            overflow="ellipsis",
            no_wrap=True,
        )
    for row in page.rows:
        table.add_row(
            escape(row.number),
            f"{row.placed_at.astimezone(zone):%Y-%m-%d %H:%M}",
            escape(row.customer_name or row.email or "—"),
            row.ship_country or "—",
            label(row.stage),
            format_money(row.total_minor, row.currency),
            escape(row.attention or ""),
        )
    console.print(table)
    if page.next_cursor:
        console.print(
            f"[dim]Showing the newest {len(page.rows)}; use --limit or --search to "
            "see others.[/dim]"
        )
    return 0


async def show_order(settings: Settings, args: Namespace) -> int:
    view = await queries.order_view(settings, args.number)
    if args.json:
        print(json.dumps(view.to_json(), ensure_ascii=False, indent=2))
        return 0
    print_order(settings, view)
    return 0


def print_order(settings: Settings, view: OrderView) -> None:
    zone, now = settings.zone, datetime.now(UTC)
    console.print(
        f"[bold]Order {escape(view.number)}[/bold] — {label(view.stage)}"
        + (f"  [red]needs attention: {escape(view.attention)}[/red]" if view.attention else "")
    )
    console.print(
        f"Placed {view.placed_at.astimezone(zone):%Y-%m-%d %H:%M} · "
        f"{escape(view.customer_name or '—')} <{escape(view.email or 'no email')}> · "
        f"{escape(view.ship_city)} {escape(view.ship_postcode)} {view.ship_country}"
    )
    console.print(f"Tracking page: {view.tracking_url}")
    for item in view.items:
        console.print(
            f"  {item.quantity} × {escape(item.title)}"
            f"{f' ({escape(item.sku)})' if item.sku else ''}  "
            f"{format_money(item.unit_price_minor, view.currency)}"
        )
    console.print(f"  Total {format_money(view.total_minor, view.currency)}")
    if not view.shipments:
        console.print("No parcels yet: add one with 'shopdesk ship NUMBER --tracking T'.")
    for s in view.shipments:
        console.print(
            f"\n[bold]{escape(s.carrier)} {escape(s.tracking_number)}[/bold] — "
            f"{label(s.milestone)}{f' ({s.reason})' if s.reason else ''}"
        )
        if s.estimate:
            start, end = s.estimate
            window = f"{start:%a %d %b}" + (f" – {end:%a %d %b}" if end != start else "")
            console.print(f"  Estimated delivery: {window} ({s.estimate_source} estimate)")
        if s.last_event_at:
            console.print(f"  Last carrier update {ago(s.last_event_at, now)}")
        for e in s.events:
            where = f" · {escape(e.location)}" if e.location else ""
            console.print(
                f"  {e.occurred_at.astimezone(zone):%Y-%m-%d %H:%M}  "
                f"{label(e.milestone):<20} {escape(e.description)}{where}"
            )
    for note in view.notes:
        console.print(
            f"\nNote ({note.created_at.astimezone(zone):%Y-%m-%d %H:%M}, "
            f"{escape(note.author)}): {escape(note.body)}"
        )


async def ship(settings: Settings, args: Namespace) -> int:
    await shipments.add_shipment(
        args.number,
        args.tracking,
        carrier=args.carrier,
        service=args.service,
        shipped_at=parse_time(args.at, settings.zone),
    )
    view = await queries.order_view(settings, args.number)
    parcel = view.shipments[-1]
    console.print(
        f"Order {escape(view.number)}: added {escape(parcel.carrier)} parcel "
        f"{escape(parcel.tracking_number)}; the order is now {label(view.stage)}."
    )
    return 0


async def event(settings: Settings, args: Namespace) -> int:
    view = await queries.order_view(settings, args.number)
    if args.tracking:
        wanted = args.tracking.replace(" ", "").upper()
        parcels = [s for s in view.shipments if s.tracking_number == wanted]
        if not parcels:
            raise InvalidInput(f"order {view.number} has no parcel {args.tracking}")
    else:
        parcels = list(view.shipments)
        if not parcels:
            raise InvalidInput(
                f"order {view.number} has no parcel yet; add one with 'shopdesk ship'"
            )
        if len(parcels) > 1:
            raise InvalidInput(
                f"order {view.number} has {len(parcels)} parcels; say which "
                f"with --tracking ({', '.join(s.tracking_number for s in parcels)})"
            )
    recorded = await shipments.record_event(
        shipments.NewEvent(
            tracking_number=parcels[0].tracking_number,
            order_number=view.number,
            occurred_at=parse_time(args.at, settings.zone),
            milestone=args.milestone,
            reason=args.reason,
            description=args.description,
            location=args.location,
            source="manual",
        )
    )
    after = await queries.order_view(settings, args.number)
    parcel = next(s for s in after.shipments if s.tracking_number == parcels[0].tracking_number)
    if not recorded:
        console.print("That event is recorded already; nothing changed.")
    elif parcel.milestone != args.milestone:
        console.print(
            f"Recorded. The parcel stays {label(parcel.milestone)}: "
            f"{label(args.milestone)} cannot follow it at that time."
        )
    else:
        console.print(
            f"Recorded: parcel {parcel.tracking_number} is {label(parcel.milestone)}; "
            f"order {after.number} is {label(after.stage)}."
        )
    return 0


async def cancel(settings: Settings, args: Namespace) -> int:
    await orders.cancel_order(args.number, args.reason)
    console.print(f"Order {escape(args.number.lstrip('#'))} is cancelled.")
    return 0


async def note(settings: Settings, args: Namespace) -> int:
    await orders.add_note(args.number, args.text)
    console.print("Note added.")
    return 0
