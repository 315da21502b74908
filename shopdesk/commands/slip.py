"""``shopdesk slip``: print-ready packing slips with a QR code to each order's tracking page."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from shopdesk.config import Settings
from shopdesk.errors import InvalidInput
from shopdesk.slips import render_slips, slip_orders


async def slip(settings: Settings, args: Namespace) -> int:
    """Write the slips of ``args.numbers`` (and, with ``--unshipped``, of every order still to
    be packed) to ``args.output``; print the file's absolute path and how many slips.

    Raises:
        InvalidInput: neither order numbers nor ``--unshipped`` were given, or the output file
            cannot be written.
        NotFound: some of the order numbers are not orders.
    """
    numbers: list[str] = list(args.numbers or [])
    if not numbers and not args.unshipped:
        raise InvalidInput(
            "say which orders: give order numbers (shopdesk slip 1001 1002 "
            "-o slips.html) or --unshipped for every order still to be packed"
        )
    views = await slip_orders(settings, numbers, unshipped=args.unshipped)
    if not views:
        print("No orders to pack: no order is confirmed or preparing. Nothing written.")
        return 0
    document = render_slips(settings, views, size=args.size)
    path = Path(args.output).expanduser().resolve()
    try:
        path.write_text(document, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            f"cannot write {path}: {exc.strerror or exc}; choose another file with -o"
        ) from None
    count = len(views)
    print(f"Wrote {count} packing slip{'' if count == 1 else 's'} ({args.size}) to {path}")
    print("Open it in a browser and print it (the page size is set; choose 'actual size').")
    return 0
