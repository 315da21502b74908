"""Widgets the queue screens (exceptions, returns, notifications, settings) share: a table whose
rows are keyed and updated in place, with new or changed rows marked, and a detail pane."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.widgets import DataTable, Static

MARK = "●"


def local(moment: datetime | None, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time in the shop's zone; "" for none."""
    return moment.astimezone(zone).strftime(fmt) if moment else ""


class KeyedTable(DataTable):
    """A row-cursor table whose rows are keyed by the record they show.

    ``upsert`` changes a row's cells in place or adds the row, then keeps the order by
    ``sort_column``; rows changed by someone else are marked until the cursor visits them.
    """

    DEFAULT_CSS = """
    KeyedTable { height: 1fr; }
    """

    def __init__(
        self,
        columns: Sequence[tuple[str, str]],
        *,
        sort_column: str,
        reverse: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self._columns = [("mark", ""), *columns]
        self.sort_column = sort_column
        self.reverse = reverse
        self.marked: set[str] = set()

    def on_mount(self) -> None:
        for key, label in self._columns:
            self.add_column(label, key=key, width=1 if key == "mark" else None)

    @property
    def keys(self) -> list[str]:
        """Row keys in display order."""
        return [row.key.value for row in self.ordered_rows if row.key.value is not None]

    @property
    def current_key(self) -> str | None:
        """The key of the row under the cursor."""
        if not self.row_count:
            return None
        return self.ordered_rows[self.cursor_row].key.value

    def upsert(self, key: str, cells: dict[str, Any], *, mark: bool = False) -> bool:
        """Put ``cells`` (by column key) in the row ``key``, adding it if new; True if it was
        new. ``mark``: flag it as changed by someone else."""
        values = {k: cells.get(k, "") for k, _ in self._columns}
        if mark:
            self.marked.add(key)
        values["mark"] = Text(MARK, style="bold yellow") if key in self.marked else ""
        if key in self.rows:
            for column, value in values.items():
                self.update_cell(key, column, value)
            return False
        self.add_row(*values.values(), key=key)
        return True

    def replace_all(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Show exactly these rows (the first load, a new filter), keeping the cursor's row."""
        current = self.current_key
        self.marked.clear()
        self.clear()
        for key, cells in rows:
            self.upsert(key, cells)
        self.resort()
        if current in self.rows:
            self.move_cursor(row=self.get_row_index(current))

    def drop(self, key: str) -> None:
        if key in self.rows:
            self.remove_row(key)
        self.marked.discard(key)

    def resort(self) -> None:
        """Restore the order after adding rows, keeping the cursor on its row."""
        current = self.current_key
        self.sort(self.sort_column, key=_plain, reverse=self.reverse)
        if current is not None and current in self.rows:
            self.move_cursor(row=self.get_row_index(current), scroll=False)

    def unmark(self, key: str | None) -> None:
        if key is not None and key in self.marked:
            self.marked.discard(key)
            self.update_cell(key, "mark", "")


def _plain(value: Any) -> Any:
    return value.plain if isinstance(value, Text) else value


class DetailPane(Static):
    """The record under the cursor, in full."""

    DEFAULT_CSS = """
    DetailPane {
        height: 9;
        border-top: solid $primary;
        padding: 0 1;
        overflow-y: auto;
    }
    """


class StatusLine(Static):
    """One line above the table: the filter and the counts."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    """
