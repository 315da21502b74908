"""Database start-up: one Tortoise context per process, schema migrations applied on start.

SQLite (WAL, one file in the data directory) is the default; a ``postgres://`` URL switches to
PostgreSQL through asyncpg. Nothing here runs at import time.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from shopdesk.config import Settings
from shopdesk.errors import ConfigError

APP = "models"
MODELS_MODULE = "shopdesk.models"
MIGRATIONS_MODULE = "shopdesk.migrations"


def tortoise_config(db_url: str) -> dict[str, Any]:
    """The Tortoise configuration dict for a database URL."""
    if db_url.startswith("sqlite://"):
        path = db_url.removeprefix("sqlite://")
        connection: Any = {
            "engine": "tortoise.backends.sqlite",
            "credentials": {
                "file_path": path,
                "journal_mode": "WAL",
                "synchronous": "NORMAL",
                "busy_timeout": 10000,
                "foreign_keys": "ON",
            },
        }
    else:
        connection = db_url.replace("postgresql://", "postgres://", 1)
    return {
        "connections": {"default": connection},
        "apps": {
            APP: {
                "models": [MODELS_MODULE],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For Tortoise's own CLI (`tortoise -c shopdesk.db.TORTOISE_ORM makemigrations`) when a developer
# changes the models; the URL only matters to compare against an existing database.
TORTOISE_ORM = tortoise_config("sqlite://shopdesk-dev.sqlite3")


_settings: Settings | None = None


def current_settings() -> Settings:
    """The settings this process opened its database with (services plan messages by them)."""
    if _settings is None:
        raise RuntimeError("init_db(settings) has not been called in this process")
    return _settings


async def init_db(settings: Settings, *, migrate: bool = True) -> None:
    """Open the database for this process and bring its schema up to date.

    Call once per process before any service, from the event loop that will use it.

    Raises:
        ConfigError: the database cannot be reached or created, with what to check.
    """
    from tortoise import Tortoise
    from tortoise.migrations.api import migrate as run_migrations

    global _settings
    _settings = settings
    url = settings.db_url
    if url.startswith("sqlite://"):
        path = Path(url.removeprefix("sqlite://"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the data directory {path.parent}: {exc}") from None
    config = tortoise_config(url)
    try:
        await Tortoise.init(config=config, _enable_global_fallback=True)
        # Checking that every migration is applied is one query; running the migrator to
        # find out costs a quarter of a second on every start of every command.
        if migrate and not await _migrated():
            await Tortoise.close_connections()
            await run_migrations(config=config)
            await Tortoise.init(config=config, _enable_global_fallback=True)
    except (OSError, ConnectionError) as exc:
        raise ConfigError(f"cannot open the database at {_redact(url)}: {exc}") from None
    except Exception as exc:  # asyncpg/sqlite errors have no common base we can import cheaply
        if type(exc).__module__.startswith(("asyncpg", "sqlite3", "aiosqlite")):
            raise ConfigError(f"cannot open the database at {_redact(url)}: {exc}") from None
        raise


def _migration_names() -> set[str]:
    folder = Path(__file__).parent / "migrations"
    return {p.stem for p in folder.glob("[0-9][0-9][0-9][0-9]_*.py")}


async def _migrated() -> bool:
    """True if the database has every migration this version of shopdesk ships."""
    from tortoise import connections

    try:
        rows = await connections.get("default").execute_query_dict(
            "SELECT name FROM tortoise_migrations WHERE app = 'models'"
        )
    except Exception:  # no such table yet: a new database
        return False
    return _migration_names() <= {row["name"] for row in rows}


async def close_db() -> None:
    """Close this process's database connections."""
    from tortoise import Tortoise

    await Tortoise.close_connections()


@contextlib.asynccontextmanager
async def database(settings: Settings, *, migrate: bool = True) -> AsyncIterator[None]:
    """``async with database(settings):`` opens the database and closes it afterwards."""
    await init_db(settings, migrate=migrate)
    try:
        yield
    finally:
        await close_db()


def _redact(url: str) -> str:
    """A database URL without its password, for messages."""
    head, sep, tail = url.partition("@")
    if not sep or "://" not in head:
        return url
    scheme, _, userinfo = head.partition("://")
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{tail}"
