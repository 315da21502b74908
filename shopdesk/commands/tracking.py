"""``shopdesk tracking classify``: the milestone engine on stdin, for checking and debugging."""

from __future__ import annotations

import sys
from argparse import Namespace

from shopdesk.config import Settings
from shopdesk.tracking.normalize import normalise


async def classify(settings: Settings, args: Namespace) -> int:
    out = []
    for line in sys.stdin:
        line = line.rstrip("\r\n")
        carrier, tab, description = line.partition("\t")
        if not tab:
            carrier, description = "", line
        out.append(normalise(carrier or None, None, description).milestone)
    if out:
        sys.stdout.write("\n".join(out) + "\n")
    return 0
