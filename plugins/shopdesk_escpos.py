"""ESC/POS receipt printer: print each notification on the shop's thermal printer.

    escpos://192.168.1.50                 network printer, raw TCP port 9100
    escpos://printer.local:9100?width=32  a 58 mm printer (32 columns; 80 mm: 42/48)

Options:
    width=42        characters per line (Font A: 80 mm paper 42 or 48, 58 mm paper 32)
    cut=partial     partial | full | no
    feed=4          blank lines before the cut (the tear-off gap)
    codepage=cp437  cp437 | cp850 | cp858 (with the euro sign) | cp1252; characters the
                    printer's code page lacks are printed as "?"
    timeout=10      seconds to connect and send

Prints the title in bold, a rule, the body as plain text (Apprise turns HTML into text for
us: ``body_format=TEXT`` below) wrapped to the paper width, the time, then cuts. Works with
the usual Epson TM-T20/T88 and the many compatible printers that listen on port 9100. Use it
for "new return to handle" or "parcel exception" slips at the packing table, e.g. with the
shopdesk notification rules for the shop's own address.

Try it without a printer: ``nc -l 9100 | xxd`` and ``shopdesk notify test escpos://127.0.0.1``.
"""

from __future__ import annotations

import socket
import textwrap
from datetime import datetime

from apprise import NotifyFormat, logger
from apprise.decorators import notify

ESC, GS = b"\x1b", b"\x1d"
INIT = ESC + b"@"
BOLD_ON, BOLD_OFF = ESC + b"E\x01", ESC + b"E\x00"
CUTS = {"partial": GS + b"V\x01", "full": GS + b"V\x00", "no": b""}
CODEPAGES = {"cp437": 0, "cp850": 2, "cp858": 19, "cp1252": 16}  # ESC t n (Epson numbering)


@notify(on="escpos", name="ESC/POS receipt printer", body_format=NotifyFormat.TEXT)
def escpos(body, title, notify_type, meta, *args, **kwargs):
    options = meta.get("qsd", {})
    host = meta.get("host")
    if not host:
        logger.warning("escpos: no printer address; use escpos://HOST[:PORT]")
        return False
    try:
        data = receipt(
            title,
            body,
            width=int(options.get("width", 42)),
            cut=options.get("cut", "partial"),
            feed=int(options.get("feed", 4)),
            codepage=options.get("codepage", "cp437"),
        )
    except (KeyError, ValueError) as e:
        logger.warning("escpos: bad option in the URL: %s", e)
        return False
    try:
        with socket.create_connection(
            (host, meta.get("port") or 9100), timeout=float(options.get("timeout", 10))
        ) as conn:
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)  # tell the printer the job is complete
    except OSError as e:
        logger.warning("escpos: printer %s:%s not reachable: %s", host, meta.get("port") or 9100, e)
        return False
    return True


def receipt(
    title: str,
    body: str,
    width: int = 42,
    cut: str = "partial",
    feed: int = 4,
    codepage: str = "cp437",
) -> bytes:
    """The ESC/POS bytes for one slip."""
    if not 8 <= width <= 80:
        raise ValueError(f"width must be between 8 and 80, not {width}")

    def text(s: str) -> bytes:
        return s.encode(codepage, errors="replace")

    lines: list[str] = []
    for paragraph in body.replace("\r\n", "\n").split("\n"):
        lines.extend(textwrap.wrap(paragraph, width, break_on_hyphens=False) or [""])
    out = [INIT, ESC + b"t" + bytes([CODEPAGES[codepage]])]
    if title:
        out += [BOLD_ON] + [text(t) + b"\n" for t in textwrap.wrap(title, width)] + [BOLD_OFF]
        out.append(b"-" * width + b"\n")
    out += [text(line) + b"\n" for line in lines]
    out.append(b"\n" + text(datetime.now().strftime("%Y-%m-%d %H:%M")) + b"\n")
    out.append(ESC + b"d" + bytes([max(0, min(feed, 255))]))  # feed n lines
    out.append(CUTS[cut])
    return b"".join(out)
