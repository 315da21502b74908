"""Live updates: follow the database's change feed and tell the screens what moved.

Other processes (the portal's webhooks, the worker, another owner's session) write to the
same database; every write appends to the change feed. About once a second the app asks for
rows after the last one it saw and posts one :class:`DataChanged` to every screen that is
mounted (the active one and those kept by other modes), which refresh only those orders.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tui.messages import DataChanged

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen
    from textual.timer import Timer

log = logging.getLogger(__name__)


class ChangeFeed:
    """Polls the change feed from the app's event loop (the ORM never leaves it)."""

    def __init__(self, app: App, *, interval: float = 1.0) -> None:
        self.app = app
        self.interval = interval
        self.last_id = 0
        self._timer: Timer | None = None
        self._polling = False

    async def start(self, after: int | None = None) -> None:
        """Start following from the newest change (what is on screen is loaded after this), or
        from ``after``, the position read together with what is on screen."""
        from shopdesk.services.queries import last_change_id

        self.last_id = await last_change_id() if after is None else after
        if self.interval > 0:
            self._timer = self.app.set_interval(self.interval, self.poll, name="change-feed")

    async def poll(self) -> DataChanged | None:
        """Fetch new changes and post them; returns what was posted (None: nothing new)."""
        if self._polling:
            return None
        self._polling = True
        from shopdesk.services.queries import changes_since

        try:
            rows = await changes_since(self.last_id)
        except Exception:  # a locked or briefly unreachable database: try again next tick
            log.exception("reading the change feed failed")
            return None
        finally:
            self._polling = False
        if not rows:
            return None
        self.last_id = rows[-1].id
        order_ids = frozenset(r.order_id for r in rows if r.order_id is not None)
        kinds = frozenset(r.kind for r in rows)
        for screen in self.screens():
            screen.post_message(DataChanged(order_ids, kinds))
        return DataChanged(order_ids, kinds)

    def screens(self) -> list[Screen]:
        """Every screen in every mode's stack (Textual keeps them mounted per mode)."""
        seen: list[Screen] = []
        for stack in self.app._screen_stacks.values():  # no public API lists other modes' stacks
            seen.extend(s for s in stack if s not in seen)
        return seen
