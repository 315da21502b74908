"""The database: committed migrations match the models, start-up is idempotent, SQLite is WAL."""

import pytest

from shopdesk.db import close_db, init_db, tortoise_config
from tests.conftest import PG_URL


async def test_committed_migrations_match_the_models(tmp_path):
    from tortoise.cli.cli import tortoise_cli_context
    from tortoise.migrations.autodetector import MigrationAutodetector

    config = tortoise_config(f"sqlite://{tmp_path / 'empty.sqlite3'}")
    async with tortoise_cli_context(config) as ctx:
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    assert writers == [], (
        "the models changed without a migration: run "
        "`tortoise -c shopdesk.db.TORTOISE_ORM makemigrations` and commit the file"
    )


async def test_start_up_migrates_once_and_again_is_harmless(db):
    from shopdesk.models import Order

    assert await Order.all().count() == 0
    await close_db()
    await init_db(db)  # the second start finds nothing to apply
    assert await Order.all().count() == 0


@pytest.mark.skipif(bool(PG_URL), reason="SQLite only")
async def test_sqlite_runs_in_wal_mode(db):
    from tortoise import Tortoise

    conn = Tortoise.get_connection("default")
    _, rows = await conn.execute_query("PRAGMA journal_mode")
    assert rows[0][0] == "wal"
    assert (db.data_dir / "shopdesk.sqlite3").exists()


async def test_unreachable_database_is_a_clear_config_error(tmp_path):
    from shopdesk.config import Settings
    from shopdesk.errors import ConfigError

    settings = Settings(data_dir=tmp_path, database_url="postgres://nobody:secret@127.0.0.1:1/x")
    with pytest.raises(ConfigError, match="cannot open the database") as caught:
        await init_db(settings)
    assert "secret" not in str(caught.value)
