"""Plain SQL through Tortoise's connection, for the few hot paths where the ORM's per-row cost
shows (webhook ingest: thousands of small rows a second).

The same SQL runs on SQLite and PostgreSQL. Placeholders are never written into the text: a
:class:`Params` hands out the right one (``?`` or ``$n``) as each value is added, so the
numbering cannot drift. Selected expressions need distinct names (``AS ...``): PostgreSQL's
rows come back by name, and it calls every unnamed expression ``?column?``.

Inside ``in_transaction()`` the statements run in that transaction (Tortoise swaps the
connection in a context variable). Datetimes go in as aware ``datetime`` objects either way:
on SQLite Tortoise's adapter stores them as the same ISO text the ORM writes; read them back
with :func:`to_datetime`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from shopdesk.errors import ConfigError

# Values per statement: well under SQLite's (32766) and PostgreSQL's (32767) limits.
MAX_VALUES = 10_000


def _connection() -> BaseDBAsyncClient:
    return connections.get("default")


def is_postgres() -> bool:
    return _connection().capabilities.dialect == "postgres"


class Params:
    """The values of one statement and their placeholders, in order."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._postgres = is_postgres()

    def __call__(self, value: Any) -> str:
        """Add a value; its placeholder."""
        self.values.append(value)
        return f"${len(self.values)}" if self._postgres else "?"

    def list(self, values: Iterable[Any]) -> str:
        """Add values; their placeholders, comma separated (for ``IN (...)``)."""
        start = len(self.values)
        self.values.extend(values)
        if self._postgres:
            return ", ".join(f"${i}" for i in range(start + 1, len(self.values) + 1))
        return ", ".join("?" * (len(self.values) - start))

    def rows(self, rows: Iterable[Sequence[Any]]) -> str:
        """Add rows of values; ``(…), (…)`` for ``VALUES``."""
        return ", ".join(f"({self.list(row)})" for row in rows)


async def fetch(sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
    """The rows a statement returns (a SELECT, or an INSERT/UPDATE with RETURNING)."""
    values = params.values if params else []
    conn = _connection()
    if conn.capabilities.dialect == "postgres":
        # asyncpg: execute_query runs INSERT/UPDATE without fetching, so RETURNING rows
        # would be lost; execute_query_dict always fetches.
        return [tuple(row.values()) for row in await conn.execute_query_dict(sql, values)]
    if sqlite3.sqlite_version_info < (3, 35) and " RETURNING " in sql:
        raise ConfigError(
            f"this Python's SQLite is {sqlite3.sqlite_version}; shopdesk needs 3.35 or newer "
            "(INSERT ... RETURNING): use a newer Python build, or PostgreSQL"
        )
    _, rows = await conn.execute_query(sql, values)
    return [tuple(row) for row in rows]


async def execute(sql: str, params: Params | None = None) -> None:
    """Run a statement that returns nothing."""
    await _connection().execute_query(sql, params.values if params else [])


def chunks(items: Sequence[Any], width: int = 1) -> Iterator[Sequence[Any]]:
    """``items`` in slices small enough for one statement of ``width`` values each."""
    size = max(1, MAX_VALUES // width)
    for lo in range(0, len(items), size):
        yield items[lo : lo + size]


def to_datetime(value: Any) -> datetime | None:
    """A datetime column's value: SQLite hands back ISO text, PostgreSQL a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def to_date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def placeholders(count: int) -> list[str]:
    """``count`` placeholders for a statement run by :func:`execute_many`."""
    return [f"${i}" for i in range(1, count + 1)] if is_postgres() else ["?"] * count


async def execute_many(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run one statement once per row of values (placeholders from :func:`placeholders`)."""
    if rows:
        await _connection().execute_many(sql, [list(row) for row in rows])
