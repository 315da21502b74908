"""Shared fixtures: a fresh real database per test (SQLite file, or PostgreSQL when
SHOPDESK_TEST_DATABASE_URL is set) and the real ``shopdesk`` command."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shopdesk.config import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SHOPDESK_SHARED_DIR") or REPO.parent / "shared")
DATA = SHARED / "data"
PAYLOADS = DATA / "payloads"
PG_URL = os.environ.get("SHOPDESK_TEST_DATABASE_URL", "")
SHOPDESK = Path(sys.executable).parent / "shopdesk"


def shared_file(*parts: str) -> Path:
    """A file from ../shared/data; the test is skipped, loudly, if the folder is missing."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared test data not found at {path} (set SHOPDESK_SHARED_DIR)")
    return path


async def reset_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "queue_shop: settings are tests/queue_seed.py's (channels, watch thresholds, return "
        "window); the queue_shop fixture seeds that shop",
    )


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=PG_URL,
        timezone="Europe/Berlin",
        country="DE",
        public_url="https://shop.example",
    )
    if request.node.get_closest_marker("queue_shop"):
        from tests.queue_seed import queue_settings

        return queue_settings(settings)
    return settings


@pytest.fixture
async def db(settings: Settings):
    from shopdesk.db import close_db, init_db

    if PG_URL:
        await reset_postgres(PG_URL)
    await init_db(settings)
    yield settings
    await close_db()


@pytest.fixture
async def hooks(db):
    """An HTTP client of the portal app knowing every sample webhook's secret; ``.ingest`` is
    its webhook ingest (``await hooks.ingest.idle()`` waits until deliveries are processed)."""
    import httpx

    from portal.app import create_app
    from tests.webhook_samples import SECRETS

    app = create_app(replace(db, webhook_secrets=dict(SECRETS)), csrf_secret="test-secret")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://shop.example") as c:
        c.ingest = app.state["ingest"]
        yield c
    await app.state["ingest"].stop()


@pytest.fixture
async def queue_shop(
    db: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> dict[str, int]:
    """The shop of tests/queue_seed.py (one of everything the queues show) in this test's
    database; mark the test ``queue_shop`` so ``settings`` match it."""
    from tests.queue_seed import seed_queue

    if not request.node.get_closest_marker("queue_shop"):
        pytest.fail("queue_shop needs the queue_shop mark (pytestmark = pytest.mark.queue_shop)")
    return await seed_queue(db, tmp_path)


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(tmp_path: Path):
    """Run the installed ``shopdesk`` command against this test's own data directory."""
    data_dir = tmp_path / "cli-data"
    if PG_URL:
        asyncio.run(reset_postgres(PG_URL))

    def run(
        *args: str, stdin: str | None = None, env: dict[str, str | None] | None = None
    ) -> Result:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")}
        environment.update(
            SHOPDESK_DATA_DIR=str(data_dir),
            COLUMNS="200",
            NO_COLOR="1",
            XDG_CACHE_HOME=str(tmp_path / "home" / "cache"),
            XDG_DATA_HOME=str(tmp_path / "home" / "data"),
            XDG_CONFIG_HOME=str(tmp_path / "home" / "config"),
        )
        if PG_URL:
            environment["SHOPDESK_DATABASE_URL"] = PG_URL
        for key, value in (env or {}).items():
            if value is None:
                environment.pop(key, None)
            else:
                environment[key] = value
        done = subprocess.run(
            [str(SHOPDESK), *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=environment,
            timeout=300,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    run.data_dir = data_dir  # type: ignore[attr-defined]
    return run


def at(text: str) -> datetime:
    """A UTC time from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
