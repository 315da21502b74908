"""Print-ready packing slips: one page per order, with a QR code to the order's tracking page.

A slip goes into the parcel, so it shows what packing needs and nothing more: the shop, the
order number and date, the items, the customer's first name and the tracking page's QR code.
The document is self-contained (inline CSS and SVG; no fonts or scripts); only a logo given as
an ``http(s)`` URL is loaded from where it lives.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import jinja2
import qrcode
import qrcode.constants
import qrcode.image.svg
from markupsafe import Markup

from shopdesk.config import Settings
from shopdesk.errors import InvalidInput, NotFound
from shopdesk.services import queries
from shopdesk.services.common import normalise_number
from shopdesk.views import OrderView

Size = Literal["a4", "letter", "4x6"]
SIZES: tuple[Size, ...] = ("a4", "letter", "4x6")
UNSHIPPED_STAGES = ("confirmed", "preparing")
TEMPLATE = "slip_template.html"
DEFAULT_COLOR = "#1f6feb"
MAX_LOGO_BYTES = 512 * 1024
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Paper:
    """Print geometry for one paper size (CSS lengths)."""

    page: str  # the @page size
    margin: str
    width: str  # printable width, for the on-screen preview
    height: str
    qr: str  # printed side of the QR code, quiet zone included
    compact: bool  # a label: smaller type, no item table header


PAPERS: dict[str, Paper] = {
    "a4": Paper("210mm 297mm", "12mm", "186mm", "273mm", "42mm", False),
    "letter": Paper("8.5in 11in", "0.5in", "7.5in", "10in", "1.7in", False),
    "4x6": Paper("4in 6in", "0.15in", "3.7in", "5.7in", "1.6in", True),
}


async def write_slips(
    settings: Settings,
    numbers: list[str] | None,
    *,
    unshipped: bool = False,
    size: Size = "a4",
) -> str:
    """One HTML document with a packing slip per order, ready to print.

    Args:
        settings: the shop's settings (branding, time zone, public URL).
        numbers: order numbers, with or without ``#``; their slips come first, in this order.
        unshipped: add every order still to be packed (stage confirmed or preparing), oldest
            first.
        size: paper: ``"a4"``, ``"letter"`` or ``"4x6"`` (a 4 by 6 inch label).

    Returns:
        The HTML document; the caller writes it to a file.

    Raises:
        NotFound: some of ``numbers`` are not orders (all of them are named).
        InvalidInput: an unknown size or a malformed order number.
    """
    views = await slip_orders(settings, numbers, unshipped=unshipped)
    return render_slips(settings, views, size=size)


async def slip_orders(
    settings: Settings, numbers: list[str] | None, *, unshipped: bool = False
) -> list[OrderView]:
    """The orders to print slips for: ``numbers`` first, then the unshipped ones.

    Raises:
        NotFound: some of ``numbers`` are not orders (all of them are named).
        InvalidInput: a malformed order number.
    """
    wanted = list(dict.fromkeys(normalise_number(n) for n in numbers or ()))
    views = await _views(settings, wanted)
    missing = [n for n in wanted if n not in {v.number for v in views}]
    if missing:
        raise NotFound(
            f"no order {', '.join(missing)}"
            if len(missing) == 1
            else f"no orders {', '.join(missing)}"
        )
    if unshipped:
        extra = [n for n in await _unshipped_numbers() if n not in set(wanted)]
        views += await _views(settings, extra)
    return views


def render_slips(settings: Settings, views: list[OrderView], *, size: Size = "a4") -> str:
    """The HTML document for these orders' slips (see :func:`write_slips`).

    Raises:
        InvalidInput: an unknown size.
    """
    if size not in PAPERS:
        raise InvalidInput(f"unknown slip size {size!r}; one of: {', '.join(SIZES)}")
    zone = settings.zone
    color = settings.primary_color.strip()
    slips = [
        {
            "number": v.number,
            "placed": v.placed_at.astimezone(zone).strftime("%Y-%m-%d"),
            "first_name": v.customer_name.split()[0] if v.customer_name.split() else "",
            "lines": v.items,
            "pieces": sum(i.quantity for i in v.items),
            "url": v.tracking_url,
            "qr": qr_svg(v.tracking_url),
        }
        for v in views
    ]
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            shop=settings.shop_name,
            lang=settings.locale,
            logo=logo_src(settings.logo, settings.config_path),
            color=color if _COLOR.fullmatch(color) else DEFAULT_COLOR,
            email=settings.support_email.strip(),
            phone=settings.support_phone.strip(),
            paper=PAPERS[size],
            size=size,
            slips=slips,
        )
    )


def qr_svg(data: str) -> Markup:
    """``data`` as an inline SVG QR code: error correction M, a 4-module quiet zone."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
        image_factory=qrcode.image.svg.SvgPathFillImage,
    )
    code.add_data(data)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    return Markup(svg)  # built by qrcode from path data only; ``data`` is not in it as text


def logo_src(logo: str, config_path: Path | None = None) -> str:
    """An ``<img src>`` for the configured logo, or ``""`` for none.

    A file path (relative to the config file's folder) is inlined as a ``data:`` URI; an
    ``http(s)`` or ``data:image/`` URL is used as it is; anything else, or a file that is
    missing or larger than 512 KiB, gives no logo (the shop name is shown instead).
    """
    logo = logo.strip()
    if not logo:
        return ""
    if re.match(r"https?://", logo, re.IGNORECASE) or logo.lower().startswith("data:image/"):
        return logo
    path = Path(logo).expanduser()
    if not path.is_absolute() and config_path is not None:
        path = config_path.parent / path
    mime = mimetypes.guess_type(path.name)[0] or ""
    try:
        if not mime.startswith("image/") or path.stat().st_size > MAX_LOGO_BYTES:
            return ""
        data = path.read_bytes()
    except OSError:
        return ""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


async def _views(settings: Settings, numbers: list[str]) -> list[OrderView]:
    views: list[OrderView] = []
    for start in range(0, len(numbers), _CHUNK):
        views += await queries.order_views(settings, numbers[start : start + _CHUNK])
    return views


async def _unshipped_numbers() -> list[str]:
    """Numbers of the orders still to be packed, oldest first."""
    rows = []
    for stage in UNSHIPPED_STAGES:
        cursor: str | None = None
        while True:
            page = await queries.list_orders(stage=stage, limit=queries.MAX_PAGE, after=cursor)
            rows += page.rows
            cursor = page.next_cursor
            if cursor is None:
                break
    return [r.number for r in sorted(rows, key=lambda r: (r.placed_at, r.id))]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
