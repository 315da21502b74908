"""Orders: the whole shop, paged from the database, searched as you type, filtered and sorted.

The table holds only the pages the owner has scrolled through (50 rows at a time); a search
or filter asks the database again. Live changes update the rows they name, in place.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from shopdesk.errors import ShopdeskError
from shopdesk.views import OrderPage, OrderRow
from tui import format as fmt
from tui.commands import PaletteCommand
from tui.messages import DataChanged
from tui.widgets.rows import RowTable
from tui.workers import guarded_work

PAGE = 50  # two screens' worth at 80x24; a search shows its first page sooner
PREFETCH = 20  # load the next page when the cursor is this close to the end
DEBOUNCE = 0.01  # seconds: a keystroke typed within this of the next costs no query
CHANGED = Text("●", style="bold yellow")
NEW = Text("+", style="bold green")
NO_MARK = Text("")
COLUMNS = ("mark", "number", "placed", "customer", "stage", "total")


@dataclass(frozen=True, slots=True)
class Filters:
    search: str = ""
    stage: str | None = None
    carrier: str = ""
    attention: bool | None = None
    oldest_first: bool = False

    def describe(self) -> str:
        parts = [
            f"stage: {fmt.STAGE_LABELS[self.stage] if self.stage else 'all'}",
            f"carrier: {self.carrier or 'all'}",
            {None: "all orders", True: "need attention", False: "no attention"}[self.attention],
            "oldest first" if self.oldest_first else "newest first",
        ]
        return " · ".join(parts)


class OrdersScreen(Screen):
    """Every order, newest first."""

    HELP = """\
**Orders** — every order in the shop, newest first.

Type in the search box (`/`) to find orders by number, customer name, email or tracking
number. `f` filters by stage, carrier and attention; `a` shows only orders that need you;
`t` flips the sort. `Enter` opens the highlighted order. Rows marked ● changed while you
were looking, + are new.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        # On the screen, with priority: the table's own Enter (select_cursor) is not shown in
        # the footer. check_action lets Enter through to the search box while it has focus.
        Binding("enter", "open_order", "Open order", id="orders.open", priority=True),
        Binding("f", "filter", "Filter", id="orders.filter"),
        Binding("a", "attention", "Attention", id="orders.attention"),
        Binding("t", "sort", "Sort", id="orders.sort", show=False),
        Binding("escape", "clear", "Clear", id="orders.clear", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filters = Filters()
        self.next_cursor: str | None = None
        self.loaded: dict[str, OrderRow] = {}  # row key (order id) -> row
        self.generation = 0  # bumps on every new query; late pages of an old one are dropped
        self.shown_generation = 0  # the query whose results the table shows

    def compose(self) -> ComposeResult:
        yield Static("Orders", id="title", classes="screen-title")
        yield Input(placeholder="Search number, name, email or tracking number  (/)", id="search")
        yield Static(self.filters.describe(), id="filters")
        table = RowTable(id="orders", cursor_type="row", zebra_stripes=True)
        table.add_column(" ", key="mark", width=1)
        table.add_column("Order", key="number", width=7)
        table.add_column("Placed", key="placed", width=12)
        table.add_column("Customer", key="customer", width=18)
        table.add_column("Stage / needs", key="stage", width=18)
        table.add_column("Total", key="total", width=11)
        yield table
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        first = self.app.take_first_page() if hasattr(self.app, "take_first_page") else None
        if first is None:
            self.reload()
            return
        # The newest orders, read before the database was opened: shown in the first frame.
        self.generation = self.shown_generation = 1
        self._show_page(first)

    # -- loading -----------------------------------------------------------------------------

    def reload(self, *, delay: float = 0.0) -> None:
        """Ask the database for the first page under the current search and filters."""
        self.generation += 1
        self._first_page(self.generation, self.filters, delay)

    @guarded_work("Searching the orders", group="orders-query")
    async def _first_page(self, generation: int, filters: Filters, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)  # cancelled by the next keystroke
        try:
            page = await self._query(filters, after=None)
        except ShopdeskError as exc:
            self.notify(str(exc), title="Search", severity="error")
            return
        if generation != self.generation:
            return
        self.query_one(DataTable).clear()
        self.loaded.clear()
        self._show_page(page)
        self.shown_generation = generation

    def _show_page(self, page: OrderPage) -> None:
        self._add(page.rows)
        self.next_cursor = page.next_cursor
        self._show_status()

    @guarded_work("Loading more orders", group="orders-page")
    async def _next_page(self, generation: int) -> None:
        # Taken while the page loads: one request at a time, and one that fails is not
        # tried again on every cursor move (a new search or filter starts afresh).
        cursor, self.next_cursor = self.next_cursor, None
        if cursor is None:
            return
        page = await self._query(self.filters, after=cursor)
        if generation != self.generation:
            return
        self._add(page.rows)
        self.next_cursor = page.next_cursor
        self._show_status()

    async def _query(
        self,
        filters: Filters,
        *,
        after: str | None,
        ids: frozenset[int] | None = None,
        limit: int = PAGE,
    ) -> OrderPage:
        from shopdesk.services.queries import list_orders

        await self.app.database_ready.wait()
        return await list_orders(
            search=filters.search or None,
            stage=filters.stage,
            carrier=filters.carrier or None,
            attention=filters.attention,
            after=after,
            limit=limit,
            oldest_first=filters.oldest_first,
            ids=ids,
        )

    def _cells(self, row: OrderRow, mark: Text = NO_MARK) -> list[Text]:
        # Text, never str: DataTable reads a str as markup, and a customer named "[/]" (or
        # anything with brackets) would break the table or show wrongly.
        zone = self.app.settings.zone
        placed = row.placed_at.astimezone(zone).strftime("%d %b %H:%M")
        status = (
            Text(f"! {row.attention}", style="bold red") if row.attention else fmt.stage(row.stage)
        )
        return [
            mark,
            Text(row.number),
            Text(placed),
            Text(row.customer_name),
            status,
            Text(fmt.money(row.total_minor, row.currency), justify="right"),
        ]

    def _add(self, rows: tuple[OrderRow, ...], mark: Text = NO_MARK) -> None:
        table = self.query_one(DataTable)
        for row in rows:
            key = str(row.id)
            self.loaded[key] = row
            table.add_row(*self._cells(row, mark), key=key)

    def _show_status(self) -> None:
        more = "; scroll down for more" if self.next_cursor else ""
        count = len(self.loaded)
        self.query_one("#status", Static).update(
            f"{count:,} order{'' if count == 1 else 's'} shown{more}"
        )

    # -- live --------------------------------------------------------------------------------

    @on(DataChanged)
    def data_changed(self, message: DataChanged) -> None:
        if message.order_ids:
            self._refresh_rows(message.order_ids, self.generation)

    @guarded_work("Updating changed orders", group="orders-live", exclusive=False)
    async def _refresh_rows(self, order_ids: frozenset[int], generation: int) -> None:
        from shopdesk.services.queries import MAX_PAGE, list_orders

        shown = frozenset(i for i in order_ids if str(i) in self.loaded)
        fresh = order_ids - shown
        updated: list[OrderRow] = []
        chunks = [sorted(shown)[i : i + MAX_PAGE] for i in range(0, len(shown), MAX_PAGE)]
        for chunk in chunks:
            updated += (await list_orders(ids=frozenset(chunk), limit=len(chunk))).rows
        # Of the orders new to this view, the newest page's worth is all that can belong in it.
        added = (
            (await self._query(self.filters, after=None, ids=fresh, limit=MAX_PAGE)).rows
            if fresh
            else ()
        )
        if generation != self.generation:
            return
        table = self.query_one(DataTable)
        for row in updated:
            key = str(row.id)
            if key not in self.loaded:
                continue
            self.loaded[key] = row
            for column, value in zip(COLUMNS, self._cells(row, CHANGED), strict=True):
                table.update_cell(key, column, value)
        # New rows belong in the table only if they fall within the pages loaded so far.
        wanted = [r for r in added if self._within_loaded(r)]
        if wanted:
            self._add(tuple(wanted), NEW)
            self._sort()
            self._show_status()

    def _within_loaded(self, row: OrderRow) -> bool:
        if self.next_cursor is None or not self.loaded:
            return True
        keys = [(r.placed_at, r.id) for r in self.loaded.values()]
        if self.filters.oldest_first:
            return (row.placed_at, row.id) < max(keys)
        return (row.placed_at, row.id) > min(keys)

    def _sort(self) -> None:
        table = self.query_one(DataTable)
        by_number = {r.number: (r.placed_at, r.id) for r in self.loaded.values()}
        table.sort(
            "number",
            key=lambda number: by_number[str(number)],
            reverse=not self.filters.oldest_first,
        )

    # -- the owner's moves -------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        self.filters = replace(self.filters, search=event.value.strip())
        self.reload(delay=DEBOUNCE)

    @on(Input.Submitted, "#search")
    def search_submitted(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowHighlighted)
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        if self.next_cursor and event.cursor_row >= table.row_count - PREFETCH:
            self._next_page(self.generation)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_order":
            return not isinstance(self.focused, Input)  # there, Enter goes back to the table
        return True

    def action_open_order(self) -> None:
        """Open the highlighted order."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        row = self.loaded.get(
            str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        )
        if row is not None:
            self.open_order(row.number)

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        """A click on the highlighted row."""
        row = self.loaded.get(str(event.row_key.value))
        if row is not None:
            self.open_order(row.number)

    def open_order(self, number: str) -> None:
        from tui.screens.order import OrderScreen

        self.app.push_screen(OrderScreen(number))

    def set_filters(self, filters: Filters | None) -> None:
        if filters is None or filters == self.filters:
            return
        self.filters = filters
        self.query_one("#filters", Static).update(filters.describe())
        self.reload()

    def action_filter(self) -> None:
        from tui.dialogs.filters import FilterDialog

        self.app.push_screen(FilterDialog(self.filters), self.set_filters)

    def action_attention(self) -> None:
        self.set_filters(replace(self.filters, attention=None if self.filters.attention else True))

    def action_sort(self) -> None:
        self.set_filters(replace(self.filters, oldest_first=not self.filters.oldest_first))

    def action_clear(self) -> None:
        search = self.query_one("#search", Input)
        if search.value:
            search.value = ""  # Input.Changed reloads
        self.set_filters(Filters())
        self.query_one(DataTable).focus()

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Orders: filter", "Filter by stage, carrier and attention", self.action_filter),
            (
                "Orders: only those needing attention",
                "Toggle the attention filter",
                self.action_attention,
            ),
            ("Orders: flip sort", "Newest or oldest first", self.action_sort),
            ("Orders: clear search and filters", "Show every order", self.action_clear),
        ]
