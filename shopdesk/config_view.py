"""The effective configuration as the owner may see it: every setting with secrets masked,
and where the files live. Plain strings, safe for any UI."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import parse_qsl

from shopdesk.config import _KEYS, Settings

MASK = "****"
_SECRET_WORDS = re.compile(r"pass|secret|token|key|auth|sig|pw|pin|sid", re.I)


@dataclass(frozen=True, slots=True)
class ConfigEntry:
    key: str  # as written in the config file: "notifications.channels.email"
    value: str  # secrets masked


def mask_url(url: str) -> str:
    """A URL without its secrets: the password, secret-looking query values, and path or user
    parts that look like keys (long, or mixing digits and letters)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if at:
        user, colon, _ = userinfo.partition(":")
        userinfo = f"{_mask_token(user)}:{MASK}" if colon else _mask_token(user)
        authority = f"{userinfo}@{host}"
    path, question, query = tail.partition("?")
    path = "/".join(_mask_token(part) for part in path.split("/"))
    if question:
        query = "&".join(
            f"{k}={MASK if _SECRET_WORDS.search(k) else _mask_token(v)}"
            for k, v in parse_qsl(query, keep_blank_values=True)
        )
    return f"{scheme}://{authority}{slash}{path}{question}{query}"


def _mask_token(part: str) -> str:
    """A key-looking token (16+ characters without dots, or 8+ with digits and letters and
    no dot or @) masked; words, host names, addresses and placeholders kept."""
    if not part or "{" in part or "@" in part or "." in part or part.startswith("+"):
        return part
    digits = any(c.isdigit() for c in part)
    letters = any(c.isalpha() for c in part)
    if len(part) >= 16 or (len(part) >= 8 and digits and letters):
        return MASK
    return part


def _show(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_show(v)}" for k, v in value.items()) or "(none)"
    if isinstance(value, (tuple, list)):
        return ", ".join(_show(v) for v in value) or "(none)"
    if value is None or value == "":
        return "(not set)"
    if hasattr(value, "strftime"):
        return f"{value:%H:%M}"
    return str(value)


def effective_config(settings: Settings) -> tuple[ConfigEntry, ...]:
    """Every setting as it is in effect (file, environment and defaults merged), secrets
    masked: channel and owner URLs, the database password."""
    names = {field: f"{section}.{key}" for (section, key), field in _KEYS.items()}
    entries = []
    for field in fields(settings):
        if field.name not in names:
            continue
        value = getattr(settings, field.name)
        key = names[field.name]
        if field.name == "channels":
            entries.extend(
                ConfigEntry(f"{key}.{name}", mask_url(url)) for name, url in value.items()
            )
            if not value:
                entries.append(ConfigEntry(key, "(none)"))
            continue
        if field.name == "owner_urls":
            value = tuple(mask_url(url) for url in value)
        elif field.name == "database_url":
            value = (
                mask_url(settings.db_url)
                if settings.database_url
                else f"{settings.db_url} (default)"
            )
        elif field.name == "quiet_hours" and value:
            value = f"{value[0]:%H:%M}-{value[1]:%H:%M}"
        elif field.name == "transit":
            value = tuple(
                f"{r.carrier or '*'}/{r.service or '*'}/{r.destination or '*'}: "
                f"{r.days[0]}-{r.days[1]} days"
                for r in value
            )
        elif field.name == "transit_days":
            value = f"{value[0]}-{value[1]} days"
        entries.append(ConfigEntry(key, _show(value)))
    return tuple(entries)


def file_locations(settings: Settings) -> tuple[ConfigEntry, ...]:
    """Where the config, data, database, templates and logs are."""
    data = settings.data_dir
    db = settings.db_url
    logs = sorted(data.glob("*.log")) if data.is_dir() else []
    templates = data / "templates"
    return (
        ConfigEntry(
            "config file",
            str(settings.config_path)
            if settings.config_path
            else "(none: built-in defaults; 'shopdesk init' writes one)",
        ),
        ConfigEntry(
            "data directory", str(data) + (" (the demo shop)" if settings.showing_demo else "")
        ),
        ConfigEntry(
            "database", db.removeprefix("sqlite://") if db.startswith("sqlite://") else mask_url(db)
        ),
        ConfigEntry(
            "message templates",
            str(templates)
            if templates.is_dir()
            else f"{templates} (not created: the built-in templates are used)",
        ),
        ConfigEntry(
            "logs", ", ".join(str(p) for p in logs) if logs else f"{data} (no log files yet)"
        ),
        *(ConfigEntry("plugins", str(Path(p))) for p in settings.plugin_dirs),
    )
