"""``shopdesk tui`` (the owner's TUI) and ``shopdesk run`` (portal + worker + TUI in one
process). Textual, uvicorn and the portal are imported only here, when these commands run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path

from shopdesk.config import Settings
from shopdesk.errors import ConfigError

LOG_FILE = "shopdesk.log"


def log_to_file(settings: Settings) -> Path:
    """Send every log record to the data directory: nothing may print over the TUI."""
    path = Path(settings.data_dir) / LOG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=path,
        level=logging.INFO,
        force=True,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.captureWarnings(True)
    return path


async def tui(settings: Settings, args: Namespace) -> int:
    """The TUI opens the database itself. On SQLite with an up-to-date schema it first reads the
    newest orders with plain sqlite3, shows them, and only then loads the ORM (in the
    background): the owner sees their shop in about the time an empty Textual app takes."""
    from shopdesk.services.first_page import read_first_page
    from tui.screens.orders import PAGE

    log_to_file(settings)
    start = getattr(args, "screen", "orders")
    first = read_first_page(settings, PAGE) if start == "orders" else None
    if first is None:  # PostgreSQL, a new or older database: migrate and open it first
        from shopdesk.db import database

        async with database(settings):
            return await _run_tui(settings, start)
    return await _run_tui(settings, start, first_page=first, open_database=True)


async def _run_tui(settings: Settings, start: str, **options) -> int:
    from tui.app import make_tui

    app = make_tui(settings, start=start, **options)
    await app.run_async()
    return app.return_code or 0


def listen(host: str, port: int) -> socket.socket:
    """A listening socket for the portal, bound before the TUI takes the terminal.

    Raises:
        ConfigError: the address is in use or not available, with what to do.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}); is another "
            "shopdesk running? Choose another port with --port"
        ) from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


@contextlib.contextmanager
def _no_signal_capture() -> Iterator[None]:
    yield  # the TUI owns the terminal and its keys; the portal stops when the TUI quits


async def run(settings: Settings, args: Namespace) -> int:
    import uvicorn

    from portal.app import create_app
    from shopdesk.commands.serve import csrf_secret
    from shopdesk.notify.send import Sender
    from shopdesk.notify.worker import Worker
    from tui.app import make_tui

    log_file = log_to_file(settings)
    sock = listen(args.host, args.port)
    portal = create_app(settings, csrf_secret=await csrf_secret())
    server = uvicorn.Server(
        uvicorn.Config(
            portal,
            host=args.host,
            port=args.port,
            log_config=None,
            access_log=False,
            proxy_headers=False,
            timeout_graceful_shutdown=5,
        )
    )
    server.capture_signals = _no_signal_capture  # type: ignore[method-assign]
    app = make_tui(settings, start=getattr(args, "screen", "orders"))
    print(f"Portal on http://{args.host}:{args.port}; logs in {log_file}", file=sys.stderr)
    stop = asyncio.Event()
    async with Sender(plugin_paths=settings.plugin_dirs) as sender:
        serving = asyncio.create_task(server.serve(sockets=[sock]), name="portal")
        working = asyncio.create_task(Worker(settings, sender).run_forever(stop), name="worker")
        try:
            await app.run_async()
        finally:
            server.should_exit = True
            stop.set()
            for task in (serving, working):
                try:
                    await task
                except (Exception, SystemExit):
                    logging.getLogger(__name__).exception(
                        "%s stopped with an error", task.get_name()
                    )
            sock.close()
    return app.return_code or 0
