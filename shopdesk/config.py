"""Typed settings, loaded from a TOML file, the environment and command-line options.

Every setting has a working default (documented in ``config.example.toml``), so shopdesk runs
with no file at all. A bad value raises :class:`ConfigError` naming the key, the value and
what is allowed.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from shopdesk.errors import ConfigError

APP_NAME = "shopdesk"
CONFIG_FILENAME = "shopdesk.toml"
LOCALES = ("en", "de", "fr", "es", "nl")
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_WHOLE_NUMBERS = frozenset(
    {
        "handling_days",
        "max_attempts",
        "history_hours",
        "lease_seconds",
        "label_only_days",
        "stalled_days",
        "return_window_days",
        "return_send_days",
    }
)
RETURN_APPROVALS = ("auto", "owner")
# Sources that may post to /hooks/<source>; each takes [webhooks.<source>] secret = "...".
WEBHOOK_SOURCES = (
    "shopify",
    "woocommerce",
    "easypost",
    "shippo",
    "aftership",
    "17track",
    "generic",
)
# Sources that also take an opt-in [webhooks.<source>] signing_secret (a signed header).
SIGNED_SOURCES = ("shippo",)
MIN_SECRET = 8
_QUIET = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class TransitRule:
    """Transit time for shipments matching carrier, service and destination (any may be None)."""

    days: tuple[int, int]
    carrier: str | None = None
    service: str | None = None
    destination: str | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything shopdesk is configured with. Build with :func:`load_settings`."""

    shop_name: str = "My Shop"
    public_url: str = "http://127.0.0.1:8080"
    country: str = "US"
    timezone: str = "UTC"
    locale: str = "en"
    handling_days: int = 2
    support_email: str = ""
    support_phone: str = ""
    logo: str = ""
    primary_color: str = "#1f6feb"
    accent_color: str = "#0d9488"
    database_url: str = ""
    data_dir: Path = field(default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)))
    holidays_country: str = ""
    transit_days: tuple[int, int] = (2, 5)
    transit: tuple[TransitRule, ...] = (TransitRule(days=(5, 12), destination="international"),)
    # Notifications: customer channels are Apprise URL templates by name ({email}, {phone}, …).
    channels: dict[str, str] = field(default_factory=dict)
    owner_urls: tuple[str, ...] = ()
    quiet_hours: tuple[time, time] | None = (time(21), time(8))
    milestone_channels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    max_attempts: int = 6
    history_hours: int = 48  # events older than this when they arrive notify nobody
    lease_seconds: int = 300  # a message claimed this long ago by a silent worker is retaken
    plugin_dirs: tuple[Path, ...] = ()
    # The watch: business days without a carrier scan before a parcel counts as stalled.
    label_only_days: int = 2
    stalled_days: int = 4
    stalled_days_by_carrier: dict[str, int] = field(default_factory=dict)
    # Returns: days after delivery a customer may start one; who approves it ("auto": approved
    # at once, "owner": you decide each); days an approved return may wait for its parcel
    # before it expires; SKUs that cannot be returned (case-insensitive, "*" matches any text).
    return_window_days: int = 30
    return_approval: str = "owner"
    return_send_days: int = 14
    non_returnable_skus: tuple[str, ...] = ()
    # The portal: proxies whose X-Forwarded-For is believed (addresses or CIDR networks).
    trusted_proxies: tuple[str, ...] = ()
    # Webhooks: the secret per source ([webhooks.<source>] secret); a source without one
    # accepts nothing.
    webhook_secrets: dict[str, str] = field(default_factory=dict)
    # Opt-in signed webhooks beside the secret: only shippo ([webhooks.shippo] signing_secret).
    webhook_signing_secrets: dict[str, str] = field(default_factory=dict)
    # Carrier APIs polled for tracking: [carriers.<name>] sections (see shopdesk/carriers/).
    carriers: dict[str, Any] = field(default_factory=dict)  # name -> CarrierSettings
    # The TUI: binding id -> keys, e.g. {"orders.filter": "f", "app.help": "f1,question_mark"}.
    tui_keys: dict[str, str] = field(default_factory=dict)
    config_path: Path | None = None
    showing_demo: bool = False  # no shop of its own yet: the commands show the demo shop

    @property
    def db_url(self) -> str:
        """The database URL, defaulting to an SQLite file in the data directory."""
        return self.database_url or f"sqlite://{self.data_dir / 'shopdesk.sqlite3'}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def tracking_url(self, token: str) -> str:
        """The customer's private tracking page for an order token."""
        return f"{self.public_url.rstrip('/')}/t/{token}"


# (toml section, toml key) -> Settings field
_KEYS: dict[tuple[str, str], str] = {
    ("shop", "name"): "shop_name",
    ("shop", "public_url"): "public_url",
    ("shop", "country"): "country",
    ("shop", "timezone"): "timezone",
    ("shop", "locale"): "locale",
    ("shop", "handling_days"): "handling_days",
    ("shop", "support_email"): "support_email",
    ("shop", "support_phone"): "support_phone",
    ("branding", "logo"): "logo",
    ("branding", "primary_color"): "primary_color",
    ("branding", "accent_color"): "accent_color",
    ("database", "url"): "database_url",
    ("paths", "data_dir"): "data_dir",
    ("delivery", "holidays_country"): "holidays_country",
    ("delivery", "transit_days"): "transit_days",
    ("delivery", "transit"): "transit",
    ("notifications", "channels"): "channels",
    ("notifications", "owner"): "owner_urls",
    ("notifications", "quiet_hours"): "quiet_hours",
    ("notifications", "milestones"): "milestone_channels",
    ("notifications", "max_attempts"): "max_attempts",
    ("notifications", "history_hours"): "history_hours",
    ("notifications", "lease_seconds"): "lease_seconds",
    ("notifications", "plugin_dirs"): "plugin_dirs",
    ("portal", "trusted_proxies"): "trusted_proxies",
    ("watch", "label_only_days"): "label_only_days",
    ("watch", "stalled_days"): "stalled_days",
    ("watch", "stalled_days_by_carrier"): "stalled_days_by_carrier",
    ("returns", "window_days"): "return_window_days",
    ("returns", "approval"): "return_approval",
    ("returns", "send_within_days"): "return_send_days",
    ("returns", "non_returnable_skus"): "non_returnable_skus",
    ("tui", "keys"): "tui_keys",
}


def find_config_file(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """Where the config comes from: explicit path, $SHOPDESK_CONFIG, ./shopdesk.toml, user dir.

    Raises:
        ConfigError: an explicitly named file does not exist.
    """
    named = explicit or os.environ.get("SHOPDESK_CONFIG")
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        return path
    for candidate in (
        Path.cwd() / CONFIG_FILENAME,
        Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILENAME,
    ):
        if candidate.is_file():
            return candidate
    return None


def load_settings(
    config: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> Settings:
    """Load settings: built-in defaults < config file < environment < command-line options.

    Args:
        config: ``--config`` from the command line, if given.
        data_dir: ``--data-dir`` from the command line, if given.

    Raises:
        ConfigError: unreadable file, unknown key or invalid value.
    """
    path = find_config_file(config)
    values: dict[str, Any] = {}
    if path is not None:
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None
        values = _flatten(document, path)
        values["config_path"] = path
    values["carriers"] = _carrier_env(values.get("carriers", {}))
    if url := os.environ.get("SHOPDESK_DATABASE_URL"):
        values["database_url"] = url
    chosen_dir = data_dir or os.environ.get("SHOPDESK_DATA_DIR") or values.get("data_dir")
    if chosen_dir:
        values["data_dir"] = Path(chosen_dir).expanduser()
    else:
        values.pop("data_dir", None)
        if path is None and not values.get("database_url") and _has_demo_only():
            values.update(data_dir=demo_dir(), showing_demo=True)
    settings = Settings(**values)
    _validate(settings)
    return settings


def demo_dir() -> Path:
    """Where ``shopdesk demo`` seeds when no data directory is named: a disposable cache."""
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "demo"


def _has_demo_only() -> bool:
    """True before the owner has a shop of their own, once a demo shop has been seeded."""
    own = Path(platformdirs.user_data_dir(APP_NAME)) / "shopdesk.sqlite3"
    return not own.exists() and (demo_dir() / "shopdesk.sqlite3").exists()


def _flatten(document: dict[str, Any], path: Path) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for section, table in document.items():
        if section == "webhooks" and isinstance(table, dict):
            values["webhook_secrets"], values["webhook_signing_secrets"] = _webhook_secrets(
                table, path
            )
            continue
        if section == "carriers" and isinstance(table, dict):
            values["carriers"] = _carriers(path, table)
            continue
        if not isinstance(table, dict):
            raise ConfigError(
                f"{path}: '{section}' must be a [section]; known sections: "
                f"{', '.join(sorted({s for s, _ in _KEYS}))}"
            )
        for key, value in table.items():
            name = _KEYS.get((section, key))
            if name is None:
                known = ", ".join(k for s, k in _KEYS if s == section)
                allowed = f"known keys in [{section}]: {known}" if known else "no such section"
                raise ConfigError(f"{path}: unknown setting {section}.{key} ({allowed})")
            values[name] = _convert(f"{section}.{key}", name, value)
    return values


def _webhook_secrets(table: dict[str, Any], path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``[webhooks.<source>] secret = "..."`` tables → ({source: secret}, {source: signing})."""
    secrets: dict[str, str] = {}
    signing: dict[str, str] = {}
    for source, entry in table.items():
        if source not in WEBHOOK_SOURCES:
            raise ConfigError(
                f"{path}: unknown webhook source [webhooks.{source}]; known: "
                f"{', '.join(WEBHOOK_SOURCES)}"
            )
        if not isinstance(entry, dict):
            raise ConfigError(
                f'{path}: webhooks.{source} must be a [webhooks.{source}] table with secret = "..."'
            )
        known = {"secret", "signing_secret"} if source in SIGNED_SOURCES else {"secret"}
        unknown = set(entry) - known
        if unknown:
            raise ConfigError(
                f"{path}: unknown setting webhooks.{source}.{sorted(unknown)[0]} "
                f"(known keys: {', '.join(sorted(known))})"
            )
        for key, found in (("secret", secrets), ("signing_secret", signing)):
            value = entry.get(key, "")
            if not isinstance(value, str):
                raise ConfigError(f"webhooks.{source}.{key} must be a string, got {value!r}")
            if value:
                found[source] = value
    return secrets, signing


def _convert(key: str, name: str, value: Any) -> Any:
    """Check a raw TOML value's type against the Settings field and convert it."""
    if name == "transit":
        if not isinstance(value, list):
            raise ConfigError(f"{key} must be a list of [[{key}]] tables, got {value!r}")
        return tuple(_transit_rule(f"{key}[{i}]", rule) for i, rule in enumerate(value))
    if name == "transit_days":
        return _days(key, value)
    if name == "tui_keys":
        return _keymap(key, value)
    if name in ("channels", "stalled_days_by_carrier"):
        kind = str if name == "channels" else int
        if not isinstance(value, dict) or not all(
            isinstance(v, kind) and not isinstance(v, bool) for v in value.values()
        ):
            what = "URL strings" if kind is str else "whole numbers of business days"
            raise ConfigError(f"[{key}] must map names to {what}, got {value!r}")
        return dict(value)
    if name == "milestone_channels":
        if not isinstance(value, dict) or not all(
            isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values()
        ):
            raise ConfigError(
                f"[{key}] must map milestones to lists of channel names, "
                f'such as out_for_delivery = ["email", "sms"]; got {value!r}'
            )
        return {k: tuple(v) for k, v in value.items()}
    if name in ("owner_urls", "plugin_dirs", "non_returnable_skus", "trusted_proxies"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} must be a list of strings, got {value!r}")
        if name == "non_returnable_skus":
            return tuple(v.strip() for v in value if v.strip())
        return tuple(Path(v).expanduser() for v in value) if name == "plugin_dirs" else tuple(value)
    if name == "quiet_hours":
        if value == "":
            return None
        match = _QUIET.match(value) if isinstance(value, str) else None
        if not match:
            raise ConfigError(f'{key} must look like "21:00-08:00" (or "" for none), got {value!r}')
        h1, m1, h2, m2 = map(int, match.groups())
        return (time(h1, m1), time(h2, m2))
    if name == "data_dir":
        if not isinstance(value, str):
            raise ConfigError(f"{key} must be a path string, got {value!r}")
        return value
    if name in _WHOLE_NUMBERS:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{key} must be a whole number, got {value!r}")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string, got {value!r}")
    return value


_CARRIER_STRINGS = ("base_url", "api_key", "client_id", "client_secret")
_CARRIER_SECRETS = ("api_key", "client_id", "client_secret")


def _carriers(path: Path, table: dict[str, Any]) -> dict[str, Any]:
    """``[carriers.<name>]`` sections: credentials, base URL and request budget per carrier."""
    from shopdesk.carriers.base import CarrierSettings

    found = {}
    for name, section in table.items():
        key = f"carriers.{name}"
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: {key} must be a [{key}] section")
        unknown = set(section) - {*_CARRIER_STRINGS, "budget", "window_seconds", "enabled"}
        if unknown:
            raise ConfigError(
                f"{path}: unknown setting {key}.{sorted(unknown)[0]} (known: "
                f"{', '.join(_CARRIER_STRINGS)}, budget, window_seconds, enabled)"
            )
        for name_ in _CARRIER_STRINGS:
            if not isinstance(section.get(name_, ""), str):
                raise ConfigError(f"{key}.{name_} must be a string")
        for name_ in ("budget", "window_seconds"):
            value = section.get(name_, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{key}.{name_} must be a whole number, got {value!r}")
        if not isinstance(section.get("enabled", True), bool):
            raise ConfigError(f"{key}.enabled must be true or false")
        found[name] = CarrierSettings(name=name, **section)
    return found


def _carrier_env(carriers: dict[str, Any]) -> dict[str, Any]:
    """Secrets from $SHOPDESK_CARRIERS_<NAME>_<KEY> (API_KEY, CLIENT_ID, CLIENT_SECRET), which
    win over the file, so they need not be written in it."""
    from dataclasses import replace

    prefix = "SHOPDESK_CARRIERS_"
    named = {
        k.removeprefix(prefix).lower(): v
        for k, v in os.environ.items()
        if k.startswith(prefix) and v
    }
    if not named:
        return carriers
    from shopdesk.carriers.base import CarrierSettings

    result = dict(carriers)
    for key, value in named.items():
        for secret in _CARRIER_SECRETS:
            if key.endswith(f"_{secret}"):
                name = key.removesuffix(f"_{secret}")
                current = result.get(name) or CarrierSettings(name=name)
                result[name] = replace(current, **{secret: value})
    return result


def _keymap(key: str, value: Any, prefix: str = "") -> dict[str, str]:
    """``[tui.keys]``: binding ids (dotted, so TOML nests them) to comma-separated key names."""
    if not isinstance(value, dict):
        raise ConfigError(
            f'[{key}] must map binding ids to keys, such as orders.filter = "f"; got {value!r}'
        )
    keys: dict[str, str] = {}
    for name, keyspec in value.items():
        binding = f"{prefix}{name}"
        if isinstance(keyspec, dict):
            keys.update(_keymap(key, keyspec, f"{binding}."))
        elif not isinstance(keyspec, str) or not keyspec.strip() or " " in keyspec.strip():
            raise ConfigError(
                f"{key}.{binding} must be key names separated by commas, such as "
                f'"f" or "ctrl+f,f3"; got {keyspec!r}'
            )
        else:
            keys[binding] = keyspec.strip()
    return keys


def _days(key: str, value: Any) -> tuple[int, int]:
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 0 <= value[0] <= value[1] <= 120
    )
    if not ok:
        raise ConfigError(
            f"{key} must be [fastest, slowest] business days, 0-120, fastest first; got {value!r}"
        )
    return (value[0], value[1])


def _transit_rule(key: str, rule: Any) -> TransitRule:
    if not isinstance(rule, dict):
        raise ConfigError(f"{key} must be a table with transit_days, got {rule!r}")
    unknown = set(rule) - {"carrier", "service", "destination", "transit_days"}
    if unknown:
        raise ConfigError(
            f"{key}: unknown key {sorted(unknown)[0]!r} (known: carrier, service, "
            "destination, transit_days)"
        )
    if "transit_days" not in rule:
        raise ConfigError(f"{key} needs transit_days = [fastest, slowest]")
    for name in ("carrier", "service", "destination"):
        if name in rule and not isinstance(rule[name], str):
            raise ConfigError(f"{key}.{name} must be a string, got {rule[name]!r}")
    destination = rule.get("destination")
    if destination is not None:
        destination = (
            destination if destination in ("domestic", "international") else destination.upper()
        )
        if destination not in ("domestic", "international") and not _COUNTRY.match(destination):
            raise ConfigError(
                f"{key}.destination must be a two-letter country code, 'domestic' "
                f"or 'international', got {rule['destination']!r}"
            )
    return TransitRule(
        days=_days(f"{key}.transit_days", rule["transit_days"]),
        carrier=rule.get("carrier"),
        service=rule.get("service"),
        destination=destination,
    )


def _validate(s: Settings) -> None:
    if not s.shop_name.strip():
        raise ConfigError("shop.name must not be empty")
    if not re.match(r"^https?://[^\s/]+", s.public_url):
        raise ConfigError(
            f"shop.public_url must start with http:// or https://, got {s.public_url!r}"
        )
    if not _COUNTRY.match(s.country):
        raise ConfigError(
            f"shop.country must be a two-letter country code such as 'US' or 'DE', "
            f"got {s.country!r}"
        )
    if s.holidays_country and not _COUNTRY.match(s.holidays_country):
        raise ConfigError(
            f"delivery.holidays_country must be a two-letter country code or "
            f"empty, got {s.holidays_country!r}"
        )
    try:
        ZoneInfo(s.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"shop.timezone must be an IANA time zone such as 'Europe/Berlin', got {s.timezone!r}"
        ) from None
    if s.locale not in LOCALES:
        raise ConfigError(f"shop.locale must be one of {', '.join(LOCALES)}; got {s.locale!r}")
    if not 0 <= s.handling_days <= 60:
        raise ConfigError(f"shop.handling_days must be 0-60 business days, got {s.handling_days}")
    for key, colour in (
        ("branding.primary_color", s.primary_color),
        ("branding.accent_color", s.accent_color),
    ):
        if not _HEX_COLOUR.match(colour):
            raise ConfigError(f"{key} must be a CSS hex colour such as '#1f6feb', got {colour!r}")
    for key, number, low, high in (
        ("notifications.max_attempts", s.max_attempts, 1, 50),
        ("notifications.history_hours", s.history_hours, 0, 24 * 90),
        ("notifications.lease_seconds", s.lease_seconds, 1, 86400),
        ("watch.label_only_days", s.label_only_days, 1, 60),
        ("watch.stalled_days", s.stalled_days, 1, 60),
        ("returns.window_days", s.return_window_days, 0, 365),
        ("returns.send_within_days", s.return_send_days, 1, 365),
    ):
        if not low <= number <= high:
            raise ConfigError(f"{key} must be {low}-{high}, got {number}")
    if s.return_approval not in RETURN_APPROVALS:
        raise ConfigError(
            f'returns.approval must be "auto" (every request is approved at once) '
            f'or "owner" (you approve each one); got {s.return_approval!r}'
        )
    from shopdesk.notify.message import KINDS

    unknown = [k for k in s.milestone_channels if k not in KINDS]
    if unknown:
        raise ConfigError(
            f"notifications.milestones.{unknown[0]} is not a milestone shopdesk "
            f"notifies about; known: {', '.join(KINDS[:-1])}"
        )
    for kind, names in s.milestone_channels.items():
        for name in names:
            if name not in s.channels:
                raise ConfigError(
                    f"notifications.milestones.{kind} names channel {name!r}, "
                    "which [notifications.channels] does not define"
                )
    for proxy in s.trusted_proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(
                f"portal.trusted_proxies: {proxy!r} is not an IP address or "
                'network such as "127.0.0.1" or "10.0.0.0/8"'
            ) from None
    for key, known, given in (
        ("secret", WEBHOOK_SOURCES, s.webhook_secrets),
        ("signing_secret", SIGNED_SOURCES, s.webhook_signing_secrets),
    ):
        for source, secret in given.items():
            if source not in known:
                raise ConfigError(
                    f"webhook source {source!r} takes no {key}; known: {', '.join(known)}"
                )
            if secret and (len(secret) < MIN_SECRET or secret != secret.strip()):
                raise ConfigError(
                    f"webhooks.{source}.{key} must be at least {MIN_SECRET} "
                    "characters without leading or trailing spaces (copy it "
                    f"from the {source} settings page); got one of {len(secret)}"
                )
    if s.carriers:
        _validate_carriers(s)
    url = s.database_url
    if url and not url.startswith(("sqlite://", "postgres://", "postgresql://", "psycopg://")):
        raise ConfigError(
            "database.url must start with sqlite:// or postgres:// "
            f"(got a value starting {url.split(':', 1)[0]!r})"
        )


def _validate_carriers(s: Settings) -> None:
    from shopdesk.carriers import ADAPTERS

    for name, carrier in s.carriers.items():
        if name not in ADAPTERS:
            raise ConfigError(
                f"[carriers.{name}]: shopdesk has no adapter for {name!r}; known: "
                f"{', '.join(ADAPTERS)}"
            )
        if carrier.base_url and not re.match(r"^https?://[^\s/]+", carrier.base_url):
            raise ConfigError(
                f"carriers.{name}.base_url must start with http:// or https://, "
                f"got {carrier.base_url!r}"
            )
        if carrier.budget > 100_000 or carrier.window_seconds > 7 * 86400:
            raise ConfigError(
                f"carriers.{name}: budget must be at most 100000 requests and "
                "window_seconds at most 604800 (a week)"
            )
