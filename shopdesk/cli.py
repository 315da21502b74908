"""The ``shopdesk`` command: the composition root. Heavy modules are imported per command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from shopdesk import __version__

STAGE_NAMES = (
    "confirmed",
    "preparing",
    "partly_shipped",
    "shipped",
    "out_for_delivery",
    "partly_delivered",
    "delivered",
    "cancelled",
)
SECTIONS = ("dashboard", "orders", "exceptions", "returns", "notifications", "settings")
Handler = Callable[[Any, argparse.Namespace], Coroutine[Any, Any, int]]


def _command(module: str, name: str, *, db: bool = True) -> dict[str, Any]:
    return {"handler": (module, name), "needs_db": db}


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="config file (default: $SHOPDESK_CONFIG, ./shopdesk.toml, then the user config dir)",
    )
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="where the database and logs live (default: $SHOPDESK_DATA_DIR, "
        "the config's paths.data_dir, then the user data dir)",
    )
    parser = argparse.ArgumentParser(
        prog="shopdesk",
        description="Order tracking, returns and proactive notifications for small shops.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"shopdesk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help: str, **kwargs: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, parents=[common])
        p.set_defaults(**kwargs)
        return p

    p = add(
        "init",
        "Write a starter shopdesk.toml and create the database.",
        **_command("shopdesk.commands.setup", "init", db=False),
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing config file")
    add(
        "migrate",
        "Bring the database schema up to date (also done on every start).",
        **_command("shopdesk.commands.setup", "migrate", db=False),
    )

    p = add(
        "demo",
        "Seed a realistic demo shop and show how to look at it.",
        **_command("shopdesk.commands.demo", "demo", db=False),
    )
    p.add_argument(
        "--orders", type=int, default=300, metavar="N", help="how many orders to seed (default 300)"
    )
    p.add_argument(
        "--seed-only",
        action="store_true",
        help="seed, then exit (default: seed, then 'shopdesk run': portal, worker and TUI)",
    )
    p.add_argument(
        "--no-tui",
        action="store_true",
        help="seed, then serve the portal and worker without the TUI (also what "
        "happens when the output is not a terminal)",
    )
    p.add_argument("--port", type=int, default=8080, help="the portal's port (default 8080)")
    p.add_argument("--seed", type=int, default=7, help="random seed, for a repeatable shop")

    imports = add("import", "Import orders or tracking numbers from CSV.").add_subparsers(
        dest="what", metavar="WHAT", required=True
    )
    p = imports.add_parser(
        "orders",
        parents=[common],
        help="orders from a CSV file",
        description="Import orders: Shopify's order export or the generic "
        "format (see the README). Bad rows are reported by line; "
        "importing the same file twice changes nothing.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--format",
        choices=("shopify", "generic"),
        help="file format (default: detected from the header)",
    )
    p.set_defaults(**_command("shopdesk.commands.imports", "import_orders"))
    p = imports.add_parser(
        "tracking",
        parents=[common],
        help="tracking numbers from a CSV file",
        description="Import tracking numbers: columns order_number, carrier, "
        "tracking_number and optionally shipped_at.",
    )
    p.add_argument("file", metavar="FILE")
    p.set_defaults(**_command("shopdesk.commands.imports", "import_tracking"))

    orders = add("orders", "List, search and show orders.").add_subparsers(
        dest="what", metavar="WHAT", required=True
    )
    p = orders.add_parser(
        "list",
        parents=[common],
        help="list orders, newest first",
        description="List orders, newest first.",
    )
    p.add_argument(
        "--search",
        metavar="Q",
        help="part of an order number, customer name, email or tracking number",
    )
    p.add_argument("--stage", choices=STAGE_NAMES)
    p.add_argument("--carrier", metavar="C", help="only orders with a parcel by this carrier")
    p.add_argument("--attention", action="store_true", help="only orders that need you")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="rows (default 50)")
    p.add_argument("--json", action="store_true", help="print a JSON array of full orders")
    p.set_defaults(**_command("shopdesk.commands.orders", "list_orders"))
    p = orders.add_parser(
        "show",
        parents=[common],
        help="one order with its timeline",
        description="Show one order: items, parcels and their timelines.",
    )
    p.add_argument("number", metavar="NUMBER", help="order number, with or without #")
    p.add_argument("--json", action="store_true", help="print the order as JSON")
    p.set_defaults(**_command("shopdesk.commands.orders", "show_order"))

    p = add(
        "ship",
        "Add a parcel (tracking number) to an order.",
        **_command("shopdesk.commands.orders", "ship"),
    )
    p.add_argument("number", metavar="NUMBER")
    p.add_argument("--tracking", required=True, metavar="T", help="the tracking number")
    p.add_argument("--carrier", metavar="C", help="carrier (default: guessed from the number)")
    p.add_argument("--service", metavar="S", default="", help="carrier service level")
    p.add_argument(
        "--at",
        metavar="TIME",
        default="now",
        help="when it was handed over (ISO 8601; default now; no zone = shop's)",
    )

    p = add(
        "event",
        "Record a tracking milestone by hand.",
        **_command("shopdesk.commands.orders", "event"),
    )
    p.add_argument("number", metavar="NUMBER")
    p.add_argument(
        "--milestone",
        required=True,
        metavar="M",
        help="label_created, in_transit, out_for_delivery, available_for_pickup, "
        "attempt_failed, delivered, exception, returning_to_sender, "
        "returned_to_sender or cancelled",
    )
    p.add_argument("--at", metavar="TIME", default="now", help="when it happened (default now)")
    p.add_argument("--description", metavar="D", default="")
    p.add_argument("--location", metavar="L", default="")
    p.add_argument(
        "--reason",
        metavar="R",
        help="for exceptions: customs, address, damaged, "
        "lost, refused, weather, action_required, delayed or other",
    )
    p.add_argument("--tracking", metavar="T", help="which parcel, if the order has several")

    p = add("cancel", "Cancel an order.", **_command("shopdesk.commands.orders", "cancel"))
    p.add_argument("number", metavar="NUMBER")
    p.add_argument("--reason", default="", metavar="R")
    p = add("note", "Add a note to an order.", **_command("shopdesk.commands.orders", "note"))
    p.add_argument("number", metavar="NUMBER")
    p.add_argument("text", metavar="TEXT")

    p = add(
        "serve",
        "Run the customer portal, with the notification worker beside it.",
        **_command("shopdesk.commands.serve", "serve"),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument(
        "--no-worker", action="store_true", help="portal only (run 'shopdesk worker' elsewhere)"
    )
    p = add(
        "tui",
        "The owner's terminal app (run 'shopdesk serve' for the portal elsewhere).",
        **_command("shopdesk.commands.tui", "tui", db=False),
    )  # opens it itself
    p.add_argument(
        "--screen",
        choices=SECTIONS,
        default="orders",
        help="the section to open on (default orders)",
    )
    p = add(
        "run",
        "Portal, worker and TUI in one process: for a laptop or a demo.",
        **_command("shopdesk.commands.tui", "run"),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument(
        "--screen",
        choices=SECTIONS,
        default="orders",
        help="the section to open on (default orders)",
    )
    p = add(
        "worker",
        "Send queued notifications and watch for stalled or late parcels.",
        **_command("shopdesk.commands.notify", "worker"),
    )
    p.add_argument("--once", action="store_true", help="run one full pass, then exit")
    p.add_argument(
        "--interval",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds between passes (default 5)",
    )
    notify = add("notify", "Check, test and preview notification channels.").add_subparsers(
        dest="what", metavar="WHAT", required=True
    )
    p = notify.add_parser(
        "test",
        parents=[common],
        help="send a test message to an Apprise URL",
        description="Send a test message to an Apprise URL (plugins "
        "included); prints success or Apprise's reason.",
    )
    p.add_argument("url", metavar="URL")
    p.set_defaults(**_command("shopdesk.commands.notify", "test", db=False))
    p = notify.add_parser(
        "check",
        parents=[common],
        help="check the configured channels",
        description="Check every configured channel URL without sending (secrets are not printed).",
    )
    p.set_defaults(**_command("shopdesk.commands.notify", "check", db=False))
    p = notify.add_parser(
        "preview",
        parents=[common],
        help="render a message without sending",
        description="Render the message an order's customer would get.",
    )
    p.add_argument("number", metavar="NUMBER")
    p.add_argument(
        "milestone",
        metavar="MILESTONE",
        help="confirmed, shipped, out_for_delivery, available_for_pickup, "
        "attempt_failed, delivered, exception, delayed, returned_to_sender, or "
        "a return step (return_approved, refund_issued, …: the order's latest "
        "return)",
    )
    p.add_argument(
        "--channel",
        default="email",
        metavar="C",
        help="a channel name from the config, or email, sms, chat (default email)",
    )
    p.add_argument("--locale", metavar="L", help="en, de, fr, es or nl (default: the order's)")
    p.add_argument("--html", action="store_true", help="print an email's HTML, not its text")
    p.set_defaults(**_command("shopdesk.commands.notify", "preview"))
    p = add(
        "outbox",
        "List notifications: queued, sent, skipped and failed.",
        **_command("shopdesk.commands.notify", "outbox"),
    )
    p.add_argument("--failed", action="store_true", help="only those that gave up")
    p.add_argument("--limit", type=int, default=50, metavar="N")
    p.add_argument("--json", action="store_true")

    p = add(
        "exceptions",
        "What needs you: stuck parcels, failed messages, unreadable rows, "
        "returns waiting; oldest first.",
        **_command("shopdesk.commands.exceptions", "exceptions"),
    )
    p.add_argument("--all", action="store_true", help="include the items dismissed with a note")
    p.add_argument("--json", action="store_true", help="print a JSON array")

    p = add(
        "slip",
        "Write print-ready packing slips (HTML) with a QR code to each order's tracking page.",
        **_command("shopdesk.commands.slip", "slip"),
    )
    p.add_argument("numbers", nargs="*", metavar="NUMBER", help="order numbers, with or without #")
    p.add_argument(
        "--unshipped",
        action="store_true",
        help="add every order still to be packed (confirmed or preparing)",
    )
    p.add_argument(
        "--size",
        choices=("a4", "letter", "4x6"),
        default="a4",
        help="paper: A4, US Letter or a 4x6 in label (default a4)",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the HTML file to write")

    keys = add("apikey", "Create, list and revoke keys for the JSON API.").add_subparsers(
        dest="what", metavar="WHAT", required=True
    )
    p = keys.add_parser(
        "create",
        parents=[common],
        help="create a key (printed once)",
        description="Create an API key; it is printed once.",
    )
    p.add_argument("name", metavar="NAME", help="what will use it, e.g. 'Shopify bridge'")
    p.set_defaults(**_command("shopdesk.commands.apikey", "create"))
    p = keys.add_parser(
        "list", parents=[common], help="list keys", description="List API keys, newest first."
    )
    p.set_defaults(**_command("shopdesk.commands.apikey", "list_keys"))
    p = keys.add_parser(
        "revoke",
        parents=[common],
        help="revoke a key",
        description="Revoke an API key by its prefix or id.",
    )
    p.add_argument("key", metavar="KEY", help="the key's prefix (sd_…) or id")
    p.set_defaults(**_command("shopdesk.commands.apikey", "revoke"))

    hooks = add("inbox", "Webhook deliveries: list, inspect and replay.").add_subparsers(
        dest="what", metavar="WHAT", required=True
    )
    p = hooks.add_parser(
        "list",
        parents=[common],
        help="webhook deliveries, newest first",
        description="Webhook deliveries, newest first, with their status: "
        "accepted, processed, unmatched, ignored, error or rejected.",
    )
    p.add_argument(
        "--status", choices=("accepted", "processed", "unmatched", "ignored", "error", "rejected")
    )
    p.add_argument(
        "--source",
        choices=("shopify", "woocommerce", "easypost", "shippo", "aftership", "17track", "generic"),
    )
    p.add_argument("--limit", type=int, default=50, metavar="N", help="rows (default 50)")
    p.set_defaults(**_command("shopdesk.commands.inbox", "list_deliveries"))
    p = hooks.add_parser(
        "show",
        parents=[common],
        help="one delivery: body, headers, outcome",
        description="Show one delivery: its body (pretty-printed), the "
        "headers kept with it and why it was rejected or failed.",
    )
    p.add_argument("id", type=int, metavar="ID")
    p.set_defaults(**_command("shopdesk.commands.inbox", "show"))
    p = hooks.add_parser(
        "replay",
        parents=[common],
        help="process a stored delivery again",
        description="Process a stored delivery again, on your explicit command: an unmatched "
        "one once its parcel or order exists, a failed one after a fix, a rejected one after "
        "you set the right secret. A rejected delivery is checked again against the secret "
        "configured now, with the signature headers stored with it; if it still does not "
        "verify, only --force processes it (you vouch for a body nobody signed).",
    )
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument(
        "--force",
        action="store_true",
        help="process a rejected delivery even though its signature does not verify",
    )
    p.set_defaults(**_command("shopdesk.commands.inbox", "replay"))
    _returns_parser(add, common)
    carriers = add(
        "carriers", "Carrier APIs polled for tracking: health and polling."
    ).add_subparsers(dest="what", metavar="WHAT", required=True)
    p = carriers.add_parser(
        "status",
        parents=[common],
        help="each carrier API's health",
        description="Each configured carrier API: last success, last "
        "error, request budget left, next poll.",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(**_command("shopdesk.commands.carriers", "status"))
    p = carriers.add_parser(
        "poll",
        parents=[common],
        help="poll carrier APIs",
        description="Poll the configured carrier APIs for active shipments, "
        "within each carrier's budget (runs until stopped; --once for cron).",
    )
    p.add_argument("--once", action="store_true", help="one round, then exit")
    p.set_defaults(**_command("shopdesk.commands.carriers", "poll"))

    tracking = add("tracking", "Tools for the milestone engine.").add_subparsers(
        dest="what", metavar="WHAT", required=True
    )
    p = tracking.add_parser(
        "classify",
        parents=[common],
        help="classify carrier<TAB>description lines from stdin",
        description="Read 'carrier<TAB>description' lines on stdin; print one milestone per "
        "line, in order.",
    )
    p.set_defaults(**_command("shopdesk.commands.tracking", "classify", db=False))
    return parser


RETURN_STATUSES = (
    "open",
    "requested",
    "approved",
    "rejected",
    "in_transit",
    "received",
    "refunded",
    "exchanged",
    "credited",
    "closed",
    "expired",
)
REFUND_METHODS = ("card", "paypal", "bank_transfer", "store_credit")


def _returns_parser(
    add: Callable[..., argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """``shopdesk returns …``: the owner's side of returns."""
    module = "shopdesk.commands.returns"
    sub = add(
        "returns", "List returns and move them along: approve, reject, refund, …"
    ).add_subparsers(dest="what", metavar="WHAT", required=True)

    def step(name: str, help: str, handler: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(**_command(module, handler))
        if name != "list":
            p.add_argument("rma", metavar="RMA", help="the return's code (R-1001-1) or id")
        return p

    p = step("list", "List returns, newest first.", "list_returns")
    p.add_argument(
        "--status",
        choices=RETURN_STATUSES,
        help="only returns with this status ('open': waiting for you, the customer or the carrier)",
    )
    p.add_argument("--limit", type=int, default=50, metavar="N", help="rows (default 50)")
    p.add_argument("--json", action="store_true", help="print a JSON array of full returns")
    p = step("show", "Show one return: items, reason, parcel, refund and its steps.", "show")
    p.add_argument("--json", action="store_true", help="print the return as JSON")
    step("approve", "Approve a requested (or expired) return; the customer is told.", "approve")
    p = step("reject", "Reject a return; the customer sees your reason.", "reject")
    p.add_argument("--reason", required=True, metavar="R", help="shown to the customer")
    p = step(
        "tracking", "Record the return parcel's tracking number: it is on its way.", "tracking"
    )
    p.add_argument("--tracking", required=True, metavar="T", help="the tracking number")
    p.add_argument("--carrier", metavar="C", help="carrier (default: guessed from the number)")
    step("received", "The items are back with you.", "received")
    p = step(
        "refund",
        "Record the refund you gave; the customer sees amount, method and when "
        "it should reach them.",
        "refund",
    )
    p.add_argument(
        "--amount", required=True, metavar="A", help="in the order's currency, such as 12.34"
    )
    p.add_argument("--method", required=True, choices=REFUND_METHODS)
    p = step("exchange", "Record that the replacement is on its way.", "exchange")
    p.add_argument(
        "--note",
        default="",
        metavar="TEXT",
        help="shown to the customer, e.g. 'size M, tracking 00340434…'",
    )
    p = step("credit", "Record store credit given for a return.", "credit")
    p.add_argument(
        "--amount", required=True, metavar="A", help="in the order's currency, such as 12.34"
    )
    p.add_argument("--note", default="", metavar="TEXT", help="shown to the customer")
    step("close", "Close a refunded, exchanged or credited return.", "close")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``shopdesk`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    from shopdesk.config import load_settings
    from shopdesk.errors import ConfigError, ShopdeskError

    try:
        settings = load_settings(getattr(args, "config", None), getattr(args, "data_dir", None))
        if settings.showing_demo and args.command not in ("demo", "init"):
            print(
                f"(showing the demo shop in {settings.data_dir}; 'shopdesk init' sets up your own)",
                file=sys.stderr,
            )
        module_name, name = args.handler
        module = __import__(module_name, fromlist=[name])
        handler: Handler = getattr(module, name)
        return asyncio.run(_run(handler, settings, args))
    except ConfigError as exc:
        print(f"shopdesk: configuration error: {exc}", file=sys.stderr)
        return 2
    except ShopdeskError as exc:
        print(f"shopdesk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("shopdesk: interrupted", file=sys.stderr)
        return 130


async def _run(handler: Handler, settings: Any, args: argparse.Namespace) -> int:
    if not args.needs_db:
        return await handler(settings, args)
    from shopdesk.db import database

    async with database(settings):
        return await handler(settings, args)
