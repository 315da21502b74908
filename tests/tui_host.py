"""A small host app for testing one queue screen on its own (the real app shell lives in
tui/app.py): it has ``.settings`` like the real app, may open the database and seed it in its
own event loop (snapshot tests run the app with ``app.run``), and shows one screen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from shopdesk.config import Settings


class HostApp(App[None]):
    """Shows ``screen()``; with ``open_db`` it opens (and closes) the database itself."""

    def __init__(
        self,
        settings: Settings,
        screen: Callable[[], Screen],
        *,
        open_db: bool = False,
        seed: Callable[[Settings], Awaitable[object]] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self._screen = screen
        self._open_db = open_db
        self._seed = seed

    async def on_mount(self) -> None:
        if self._open_db:
            from shopdesk.db import init_db

            await init_db(self.settings)
        if self._seed is not None:
            await self._seed(self.settings)
        await self.push_screen(self._screen())

    async def on_unmount(self) -> None:
        if self._open_db:
            from shopdesk.db import close_db

            await close_db()


async def settle(pilot: Pilot) -> None:
    """Wait until the screen's workers are done and their messages handled (an exclusive
    worker replaced by a newer one counts as done)."""
    from textual.worker import WorkerCancelled

    for _ in range(4):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
        await pilot.pause()
