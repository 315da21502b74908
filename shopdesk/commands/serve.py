"""``shopdesk serve``: the portal under uvicorn, with the notification worker and, when a
carrier API is configured, the carrier poller beside it."""

from __future__ import annotations

import asyncio
import secrets
import sys
from argparse import Namespace

from shopdesk.config import Settings


async def csrf_secret() -> str:
    """The shop's form-signing secret, shared by every portal process through the database."""
    from shopdesk.models import Secret

    row, _ = await Secret.get_or_create(name="csrf", defaults={"value": secrets.token_hex(32)})
    return row.value


async def serve(settings: Settings, args: Namespace) -> int:
    import uvicorn

    from portal.app import create_app
    from shopdesk.commands.notify import check_channels
    from shopdesk.notify.send import Sender
    from shopdesk.notify.worker import Worker

    for problem in check_channels(settings):
        print(f"warning: {problem}", file=sys.stderr)
    app = create_app(settings, csrf_secret=await csrf_secret())
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
            timeout_graceful_shutdown=10,
        )
    )
    stop = asyncio.Event()
    print(
        f"Portal on http://{args.host}:{args.port} (public URL {settings.public_url}); "
        "Ctrl+C stops it.",
        file=sys.stderr,
    )
    from shopdesk.carriers.scheduler import Poller, configured

    async with Sender(plugin_paths=settings.plugin_dirs) as sender, Poller(settings) as poller:
        worker = (
            asyncio.create_task(Worker(settings, sender).run_forever(stop))
            if not args.no_worker
            else None
        )
        polling = (
            asyncio.create_task(poller.run_forever(stop))
            if not args.no_worker and configured(settings)
            else None
        )
        try:
            await server.serve()  # returns on SIGTERM / SIGINT, after in-flight requests
        finally:
            stop.set()
            for task in (worker, polling):
                if task is not None:
                    await task
    return 0
