"""``shopdesk returns list|show|approve|reject|tracking|received|refund|exchange|credit|close``:
the owner's side of returns, thin wrappers over :mod:`shopdesk.services.returns`."""

from __future__ import annotations

import json
import sys
from argparse import Namespace
from datetime import datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shopdesk.config import Settings
from shopdesk.errors import InvalidInput
from shopdesk.parsing import format_money, to_minor
from shopdesk.services import returns
from shopdesk.services.returns import ReturnView

console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)


def label(status: str) -> str:
    return status.replace("_", " ")


def _when(settings: Settings, moment: datetime | None) -> str:
    return f"{moment.astimezone(settings.zone):%Y-%m-%d %H:%M}" if moment else "—"


async def list_returns(settings: Settings, args: Namespace) -> int:
    page = await returns.list_returns(status=args.status, limit=args.limit)
    if args.json:
        views = [await returns.get_return(row.id) for row in page.rows]
        print(json.dumps([v.to_json() for v in views], ensure_ascii=False, indent=2))
        return 0
    if not page.rows:
        console.print(
            "No returns match."
            if args.status
            else "No returns yet: customers start them from a delivered order's tracking page."
        )
        return 0
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("RMA", "Order", "Customer", "Status", "Wants", "Items", "Requested"):
        table.add_column(column, overflow="ellipsis", no_wrap=True)
    for row in page.rows:
        table.add_row(
            escape(row.rma),
            escape(row.order_number),
            escape(row.customer_name or "—"),
            label(row.status),
            label(row.resolution),
            str(row.quantity),
            _when(settings, row.created_at),
        )
    console.print(table)
    if page.next_cursor:
        console.print(
            f"[dim]Showing the newest {len(page.rows)}; use --limit or --status to "
            "see others.[/dim]"
        )
    return 0


async def show(settings: Settings, args: Namespace) -> int:
    view = await returns.get_return(args.rma)
    if args.json:
        print(json.dumps(view.to_json(), ensure_ascii=False, indent=2))
        return 0
    print_return(settings, view)
    return 0


def print_return(settings: Settings, view: ReturnView) -> None:
    console.print(
        f"[bold]Return {escape(view.rma)}[/bold] — {label(view.status)} "
        f"(order {escape(view.order_number)})"
    )
    console.print(f"Customer's page: {view.url}")
    console.print(f"Wants {label(view.resolution)}; reason: {escape(view.reason)}")
    for title, quantity in view.items:
        console.print(f"  {quantity} × {escape(title)}")
    console.print(f"  Worth {format_money(view.value_minor, view.currency)}")
    if view.rejection_reason:
        console.print(f"Rejected: {escape(view.rejection_reason)}")
    if view.send_by:
        console.print(f"To be sent by {view.send_by:%Y-%m-%d}")
    if view.tracking_number:
        console.print(
            f"Return parcel: {escape(view.carrier or '')} {view.tracking_number}"
            + (f" — {label(view.milestone)}" if view.milestone else "")
        )
    if view.refund_minor is not None:
        console.print(
            f"{'Store credit' if view.refund_method == 'store_credit' else 'Refund'}: "
            f"{format_money(view.refund_minor, view.currency)} by "
            f"{label(view.refund_method)} on {_when(settings, view.refund_issued_at)}"
        )
        if view.refund_expected and view.refund_method != "store_credit":
            start, end = view.refund_expected
            console.print(f"  on the customer's statement {start:%Y-%m-%d} – {end:%Y-%m-%d}")
    if view.resolution_note:
        console.print(f"Note to the customer: {escape(view.resolution_note)}")
    for at, status in view.timeline:
        console.print(f"  {_when(settings, at)}  {label(status)}")


def _done(view: ReturnView, what: str) -> int:
    console.print(
        f"Return {escape(view.rma)} (order {escape(view.order_number)}) {what}; "
        f"it is now {label(view.status)}."
    )
    return 0


async def approve(settings: Settings, args: Namespace) -> int:
    return _done(await returns.approve(args.rma), "approved")


async def reject(settings: Settings, args: Namespace) -> int:
    return _done(await returns.reject(args.rma, args.reason), "rejected")


async def tracking(settings: Settings, args: Namespace) -> int:
    view = await returns.add_return_tracking(args.rma, args.carrier, args.tracking)
    return _done(view, f"is coming back as {escape(view.carrier or '')} {view.tracking_number}")


async def received(settings: Settings, args: Namespace) -> int:
    return _done(await returns.mark_received(args.rma), "is back with you")


async def _amount(args: Namespace) -> int:
    """``--amount`` in the currency of the return's order, as minor units."""
    currency = (await returns.get_return(args.rma)).currency
    try:
        return to_minor(args.amount, currency)
    except InvalidInput as exc:
        reason = str(exc).removeprefix(f"price {args.amount!r} ")
        raise InvalidInput(
            f"--amount {args.amount!r} {reason}; give it in {currency}, such as 12.34"
        ) from None


async def refund(settings: Settings, args: Namespace) -> int:
    view = await returns.refund(args.rma, await _amount(args), args.method)
    return _done(
        view,
        f"refunded {format_money(view.refund_minor or 0, view.currency)} by "
        f"{label(view.refund_method)}",
    )


async def exchange(settings: Settings, args: Namespace) -> int:
    return _done(await returns.exchange(args.rma, args.note), "exchanged")


async def credit(settings: Settings, args: Namespace) -> int:
    view = await returns.credit(args.rma, await _amount(args), args.note)
    return _done(view, f"credited {format_money(view.refund_minor or 0, view.currency)}")


async def close(settings: Settings, args: Namespace) -> int:
    return _done(await returns.close(args.rma), "closed")
