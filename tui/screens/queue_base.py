"""What the queue screens share: run a service call in a worker, report the outcome as a
message (and a notification that says what to do), ask for input with a dialog first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from textual.message import Message
from textual.screen import ModalScreen, Screen

from shopdesk.config import Settings
from shopdesk.errors import ShopdeskError
from tui.workers import guarded_work


@dataclass
class Paging:
    """Where a paged list stands: the table holds pages of the newest rows (keyset paging by
    id), the next one loads when the cursor nears the end.

    Every whole-list load (first page, new filter) gets a new ``generation``; pages and row
    updates fetched for an older one are dropped. Orders that changed while a whole-list load
    ran are kept in ``pending`` and fetched again once it is shown, because that load may
    have read the database before the change.
    """

    generation: int = 0
    loading: bool = False  # a whole-list load is running
    after: object | None = None  # the next page starts after this row; None: all loaded
    asked: object | None = None  # the page already asked for
    pending: set[int] = field(default_factory=set)

    def start(self) -> int:
        """A whole-list load begins; returns its generation."""
        self.generation += 1
        self.loading = True
        self.after = self.asked = None
        return self.generation

    def ended(self, generation: int) -> None:
        """The load of ``generation`` finished (or failed, or was replaced)."""
        if generation == self.generation:
            self.loading = False

    def wants_more(self, cursor_row: int, row_count: int, prefetch: int) -> bool:
        """Ask for the next page: the cursor is near the end and it is not asked for yet."""
        if self.after is None or self.loading or self.after == self.asked:
            return False
        if cursor_row < row_count - prefetch:
            return False
        self.asked = self.after
        return True


class QueueScreen(Screen):
    """A section screen over one kind of record, with actions that call services."""

    @dataclass
    class Done(Message):
        """An action went through."""

        action: str  # the binding's action name, e.g. "approve"
        text: str

    @dataclass
    class Failed(Message):
        """A service refused an action; ``text`` says why and what to do."""

        action: str
        text: str

    @property
    def settings(self) -> Settings:
        return self.app.settings  # type: ignore[attr-defined]

    def ask(self, dialog: ModalScreen[Any], then: Callable[[Any], None]) -> None:
        """Show ``dialog``; call ``then`` with its value unless it was cancelled."""

        def answered(value: Any) -> None:
            if value is not None:
                then(value)

        self.app.push_screen(dialog, answered)

    @guarded_work("Saving", group="queue-action")
    async def run_job(self, action: str, job: Callable[[], Awaitable[object]], done: str) -> None:
        """Run a service call; post Done or Failed. Only shopdesk's own errors are caught:
        they are meant for the owner, anything else is a bug and should surface."""
        try:
            await job()
        except ShopdeskError as exc:
            self.post_message(self.Failed(action, str(exc)))
            return
        self.post_message(self.Done(action, done))

    def on_queue_screen_done(self, message: Done) -> None:
        self.notify(message.text, title="Done", timeout=4)
        self.reload()

    def on_queue_screen_failed(self, message: Failed) -> None:
        self.notify(message.text, title="Not done", severity="error", timeout=8)
        self.reload()

    def open_order(self, number: str | None) -> None:
        """Show the order a row belongs to (Escape comes back here)."""
        if not number:
            self.notify("This row belongs to no order.", severity="warning", timeout=4)
            return
        from tui.screens.order import OrderScreen

        self.app.push_screen(OrderScreen(number))

    def reload(self) -> None:
        """Fetch what changed after an action (each screen says how)."""
        raise NotImplementedError
