"""``shopdesk init`` and ``shopdesk migrate``."""

from __future__ import annotations

from argparse import Namespace
from importlib.resources import files
from pathlib import Path

from shopdesk.config import CONFIG_FILENAME, Settings, load_settings
from shopdesk.db import database
from shopdesk.errors import ConfigError


def example_config() -> str:
    """The commented example configuration shipped with shopdesk."""
    return files("shopdesk").joinpath("config.example.toml").read_text(encoding="utf-8")


async def init(settings: Settings, args: Namespace) -> int:
    target = Path(getattr(args, "config", None) or CONFIG_FILENAME)
    if target.exists() and not args.force:
        print(f"{target} exists already; keeping it (--force overwrites it).")
    else:
        try:
            target.write_text(example_config(), encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None
        print(f"Wrote {target}: edit the [shop] section to match your shop.")
    settings = load_settings(target, getattr(args, "data_dir", None))
    async with database(settings):
        pass
    print(f"Database ready: {_where(settings)}")
    print("Next: 'shopdesk import orders FILE', or 'shopdesk demo' to look around first.")
    return 0


async def migrate(settings: Settings, args: Namespace) -> int:
    async with database(settings):
        pass
    print(f"Database schema is up to date: {_where(settings)}")
    return 0


def _where(settings: Settings) -> str:
    from shopdesk.db import _redact

    url = settings.db_url
    return url.removeprefix("sqlite://") if url.startswith("sqlite://") else _redact(url)
