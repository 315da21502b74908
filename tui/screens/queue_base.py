"""What the queue screens share: run a service call in a worker, report the outcome as a
message (and a notification that says what to do), ask for input with a dialog first; and,
for Returns and Notifications, a list loaded page by page and kept live."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable

from shopdesk.config import Settings
from shopdesk.errors import ShopdeskError
from tui.messages import DataChanged
from tui.workers import guarded_work

if TYPE_CHECKING:
    from tui.widgets.queue import KeyedTable


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


class PagedQueueScreen(QueueScreen):
    """A queue screen over a list too long to load whole (keyset pages, newest first), kept
    up to date by the change feed.

    A subclass says how to read its rows (``fetch_page``, ``fetch_counts``,
    ``fetch_for_orders``), which rows belong under the current filter (``wanted``), how a row
    looks (``cells``) and names its work for the owner (``WORK``); it has a ``table`` (a
    ``KeyedTable``), a ``_show_status`` and a ``show_detail`` worker. Loading, paging, the
    generation guard and live updates are here.
    """

    PREFETCH: ClassVar[int] = 20  # load the next page when the cursor is this close to the end
    # As the owner would name the work, for a failure's notification: the first page (or a
    # new filter), the next page, and the rows a live change touched.
    WORK: ClassVar[tuple[str, str, str]] = ("Loading", "Loading more", "Updating")

    @dataclass
    class Loaded(Message):
        rows: tuple[Any, ...]
        counts: dict[str, int] | None  # None: not counted again
        kind: str  # "whole" (first page, new filter), "more" (next page) or "live" (changed)
        generation: int  # of the whole-list load these rows belong to
        after: object | None = None  # for "whole" and "more": where the next page starts
        mark: bool = True  # for "live": mark the changed rows

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, Any] = {}
        self.counts: dict[str, int] = {}
        self.paging = Paging()

    table: KeyedTable  # each screen's own, as a property

    # --- what a subclass says ------------------------------------------------------------

    async def fetch_page(self, after: object | None) -> tuple[tuple[Any, ...], object | None]:
        """A page of rows under the current filter, newest first, after ``after`` (None: the
        first page); and where the next page starts (None: this was the last)."""
        raise NotImplementedError

    async def fetch_counts(self) -> dict[str, int]:
        """Rows per status, for the status line."""
        raise NotImplementedError

    async def fetch_for_orders(self, order_ids: list[int]) -> tuple[Any, ...]:
        """Every row of these orders, whatever the filter (``wanted`` sorts them out)."""
        raise NotImplementedError

    def wanted(self, row: Any) -> bool:
        """The row belongs in the table: under the filter and within the pages loaded."""
        raise NotImplementedError

    def cells(self, row: Any) -> dict[str, object]:
        """The row's cells by column key."""
        raise NotImplementedError

    def _show_status(self) -> None:
        raise NotImplementedError

    def show_detail(self) -> None:
        raise NotImplementedError

    # --- loading -------------------------------------------------------------------------

    def load(self) -> None:
        """Show the first page for the current filter."""
        self._load_whole(self.paging.start())

    @guarded_work(lambda screen: screen.WORK[0], group="paged-whole")
    async def _load_whole(self, generation: int) -> None:
        self.table.loading = True
        try:
            rows, after = await self.fetch_page(None)
            counts = await self.fetch_counts()
        finally:
            if generation == self.paging.generation:
                self.table.loading = False
            self.paging.ended(generation)
        self.post_message(self.Loaded(rows, counts, "whole", generation, after))

    @guarded_work(lambda screen: screen.WORK[1], group="paged-more")
    async def _load_more(self, generation: int, after: object) -> None:
        rows, next_after = await self.fetch_page(after)
        self.post_message(self.Loaded(rows, None, "more", generation, next_after))

    @guarded_work(lambda screen: screen.WORK[2], group="paged-live", exclusive=False)
    async def _load_orders(self, order_ids: frozenset[int], mark: bool = True) -> None:
        generation = self.paging.generation
        rows = await self.fetch_for_orders(sorted(order_ids))
        counts = await self.fetch_counts()
        self.post_message(self.Loaded(rows, counts, "live", generation, mark=mark))

    def on_data_changed(self, message: DataChanged) -> None:
        if not message.order_ids:
            return
        if self.paging.loading:  # that load may have read the database before the change
            self.paging.pending |= message.order_ids
        else:
            self._load_orders(message.order_ids)

    def on_paged_queue_screen_loaded(self, message: Loaded) -> None:
        if message.generation != self.paging.generation:
            return  # for a filter no longer shown
        table = self.table
        if message.counts is not None:
            self.counts = message.counts
        if message.kind == "whole":
            self.paging.after = message.after
            self.rows = {self.key(r): r for r in message.rows}
            table.replace_all((key, self.cells(r)) for key, r in self.rows.items())
            if self.paging.pending:
                self._load_orders(frozenset(self.paging.pending))
                self.paging.pending.clear()
        elif message.kind == "more":
            self.paging.after = message.after
            for row in message.rows:
                key = self.key(row)
                if key not in self.rows:
                    self.rows[key] = row
                    table.upsert(key, self.cells(row))
            table.resort()
        else:
            for row in message.rows:
                key = self.key(row)
                if not self.wanted(row):  # moved out of this filter
                    self.rows.pop(key, None)
                    table.drop(key)
                elif self.rows.get(key) != row:
                    self.rows[key] = row
                    table.upsert(key, self.cells(row), mark=message.mark)
            table.resort()
        self._show_status()
        self.show_detail()

    @staticmethod
    def key(row: Any) -> str:
        """The row's key in the table."""
        return str(row.id)

    # --- the cursor ----------------------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.table.unmark(event.row_key.value)
        self.show_detail()
        if self.paging.wants_more(event.cursor_row, self.table.row_count, self.PREFETCH):
            self._load_more(self.paging.generation, self.paging.after)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_order()  # a click on the highlighted row

    def action_open_order(self) -> None:
        current = self.current
        self.open_order(current.order_number if current else None)

    @property
    def current(self) -> Any | None:
        key = self.table.current_key
        return self.rows.get(key) if key else None
