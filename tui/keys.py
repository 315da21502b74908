"""Key bindings the owner can remap from config (``[tui.keys]``: binding id = keys).

Every action binding in ``tui/`` has an id; they are listed here so a typo in the config is
caught before the TUI starts, without importing every screen (tests check that this list and
the screens agree).
"""

from __future__ import annotations

from collections.abc import Mapping

from shopdesk.errors import ConfigError

KNOWN_IDS = frozenset(
    {
        # the app: sections and global keys
        "app.dashboard",
        "app.orders",
        "app.exceptions",
        "app.returns",
        "app.notifications",
        "app.settings",
        "app.search",
        "app.help",
        "app.quit",
        "dashboard.refresh",
        "orders.open",
        "orders.filter",
        "orders.attention",
        "orders.sort",
        "orders.clear",
        "order.ship",
        "order.milestone",
        "order.cancel",
        "order.note",
        "order.message",
        "order.slip",
        "order.copy_link",
        "order.back",
        "exceptions.milestone",
        "exceptions.note",
        "exceptions.retry",
        "exceptions.ship",
        "exceptions.approve",
        "exceptions.reject",
        "exceptions.refund",
        "exceptions.exchange",
        "exceptions.receive",
        "exceptions.dismiss",
        "exceptions.show_dismissed",
        "exceptions.open",
        "exceptions.reload",
        "returns.approve",
        "returns.reject",
        "returns.receive",
        "returns.refund",
        "returns.exchange",
        "returns.credit",
        "returns.close",
        "returns.filter",
        "returns.filter_back",
        "returns.open",
        "returns.reload",
        "notifications.retry",
        "notifications.test",
        "notifications.filter",
        "notifications.filter_back",
        "notifications.open",
        "notifications.reload",
        "settings.check",
        "settings.reload",
        # tables, dialogs and help
        "table.first",
        "table.last",
        "dialog.close",
        "dialog.cancel",
        "dialog.submit",
        "note.save",
        "message.resend",
        "help.close",
    }
)
OWN_PREFIXES = tuple(sorted({known.split(".", 1)[0] + "." for known in KNOWN_IDS}))


def check_keymap(keys: Mapping[str, str]) -> dict[str, str]:
    """The keymap to give Textual, once every id in it is known.

    Ids outside shopdesk's own prefixes (Textual's own, or a plugin's) are passed through.

    Raises:
        ConfigError: an id looks like one of shopdesk's but is not one, with the known ids.
    """
    unknown = sorted(key for key in keys if key.startswith(OWN_PREFIXES) and key not in KNOWN_IDS)
    if unknown:
        raise ConfigError(
            f"tui.keys: no action {unknown[0]!r}; known: {', '.join(sorted(KNOWN_IDS))}"
        )
    return dict(keys)
