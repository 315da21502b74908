"""Indexes for the owner's order list: substring search and the attention filter.

SQLite: an FTS5 trigram table ``order_search`` over ``orders.search_text``, kept in step by
triggers. PostgreSQL: a pg_trgm GIN index on the same column (``LIKE '%term%'`` uses it).
Both: a partial index on orders needing attention, and a covering index so a search that
matches many orders is checked against the index rather than every table row.

Hand-written (Tortoise's autodetector does not know these): it creates everything it needs,
so it can be renumbered after other migrations.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

# The expression must be exactly the one Tortoise writes for ``attention__isnull=False``,
# or SQLite does not use the partial index.
ATTENTION_SQLITE = (
    'CREATE INDEX IF NOT EXISTS "orders_attention_placed" ON "orders" ("placed_at", "id") '
    'WHERE NOT "attention" IS NULL'
)
ATTENTION_POSTGRES = (
    'CREATE INDEX IF NOT EXISTS "orders_attention_placed" ON "orders" ("placed_at", "id") '
    'WHERE "attention" IS NOT NULL'
)
COVERING = (
    'CREATE INDEX IF NOT EXISTS "orders_placed_search" ON "orders" '
    '("placed_at", "id", "search_text")'
)
SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS order_search USING fts5("
    "search_text, content='orders', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS orders_search_insert AFTER INSERT ON orders BEGIN "
    "INSERT INTO order_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS orders_search_delete AFTER DELETE ON orders BEGIN "
    "INSERT INTO order_search(order_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS orders_search_update AFTER UPDATE OF search_text ON orders "
    "BEGIN "
    "INSERT INTO order_search(order_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO order_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO order_search(order_search) VALUES ('rebuild')",
    ATTENTION_SQLITE,
    COVERING,
    # No ANALYZE here: statistics taken while order_search's shadow tables are near empty make
    # SQLite plan FTS5's own lookups badly, and every insert then costs ~10 ms, not ~0.1 ms.
]
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'CREATE INDEX IF NOT EXISTS "orders_search_trgm" ON "orders" '
    'USING gin ("search_text" gin_trgm_ops)',
    ATTENTION_POSTGRES,
    COVERING,
    'ANALYZE "orders"',
]
SQLITE_BACK = [
    "DROP TRIGGER IF EXISTS orders_search_insert",
    "DROP TRIGGER IF EXISTS orders_search_delete",
    "DROP TRIGGER IF EXISTS orders_search_update",
    "DROP TABLE IF EXISTS order_search",
    'DROP INDEX IF EXISTS "orders_attention_placed"',
    'DROP INDEX IF EXISTS "orders_placed_search"',
]
POSTGRES_BACK = [
    'DROP INDEX IF EXISTS "orders_search_trgm"',
    'DROP INDEX IF EXISTS "orders_attention_placed"',
    'DROP INDEX IF EXISTS "orders_placed_search"',
]


def _statements(schema_editor, sqlite: list[str], postgres: list[str]) -> list[str]:
    dialect = schema_editor.client.capabilities.dialect
    if dialect == "sqlite":
        return sqlite
    if dialect == "postgres":
        return postgres
    return []  # another database: searches scan, as before


async def forward(apps, schema_editor) -> None:
    for sql in _statements(schema_editor, SQLITE, POSTGRES):
        await schema_editor.client.execute_query(sql)


async def backward(apps, schema_editor) -> None:
    for sql in _statements(schema_editor, SQLITE_BACK, POSTGRES_BACK):
        await schema_editor.client.execute_query(sql)


class Migration(migrations.Migration):
    dependencies = [("models", "0007_poll_due")]

    initial = False

    operations = [ops.RunPython(forward, backward)]
