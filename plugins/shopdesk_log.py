"""Shopdesk log: append every notification to a JSON-lines file.

    shopdesklog://notifications.jsonl            relative to the working directory
    shopdesklog://logs/notifications.jsonl       (folders are created when missing)
    shopdesklog:///var/log/shopdesk/sent.jsonl   absolute: three slashes
    shopdesklog://~/shopdesk/sent.jsonl          in your home folder

Each message becomes one line::

    {"time": "2025-05-01T09:30:00+00:00", "type": "info", "title": "...", "body": "...",
     "format": "html"}

Handy as a test target (``shopdesk notify test shopdesklog://sent.jsonl``), as an audit
trail next to real channels, or to feed another tool (``tail -f sent.jsonl | jq``).

How it works: Apprise calls the function decorated with ``@notify(on="shopdesklog")`` for
every URL starting with ``shopdesklog://``; ``meta`` holds the parsed URL. Put this file in
a plugin folder (shopdesk ships it in ``plugins/``) and it is loaded at start.
"""

from __future__ import annotations

import json
import os
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

from apprise import NotificationManager
from apprise.decorators import notify

SCHEMA = "shopdesklog"
_lock = threading.Lock()  # one writer at a time within this process


@notify(on=SCHEMA, name="Shopdesk JSON-lines log")
def shopdesk_log(body, title, notify_type, meta, *args, **kwargs):
    path = log_path(meta)
    line = (
        json.dumps(
            {
                "time": datetime.now(UTC).isoformat(timespec="seconds"),
                "type": str(notify_type),
                "title": title,
                "body": body,
                "format": str(
                    getattr(kwargs.get("body_format"), "value", kwargs.get("body_format")) or ""
                ),
            },
            ensure_ascii=False,
        )
        + "\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock:
        # One write() on a file opened for appending: lines from several processes do not
        # interleave.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    return True


def log_path(meta: dict) -> Path:
    """The file a parsed URL points at (see the top of this file)."""
    path = (meta.get("host") or "") + (meta.get("fullpath") or "")
    if not path.strip("/"):
        raise ValueError("no file given: use shopdesklog://path/to/file.jsonl")
    if meta.get("qsd", {}).get("absolute") == "yes":
        return Path("/" + path.lstrip("/"))
    return Path(path).expanduser()


# Apprise reads "shopdesklog:///var/log/x.jsonl" exactly like "shopdesklog://var/log/x.jsonl"
# (host "var", path "/log/x.jsonl"). Note which one the user wrote before that is lost.
def _remember_absolute(apprise_parse_url):
    def parse_url(url):
        results = apprise_parse_url(url)
        if results is not None:
            absolute = re.match(r"^\s*[^:/\s]+:[/\\]{3}", url) is not None
            results.setdefault("qsd", {})["absolute"] = "yes" if absolute else "no"
        return results

    return staticmethod(parse_url)


if SCHEMA in NotificationManager():
    _plugin = NotificationManager()[SCHEMA]
    _plugin.parse_url = _remember_absolute(_plugin.parse_url)
