"""Check the configured channels without sending, and send a test message: what
``shopdesk notify check|test`` and the TUI's Settings and Notifications screens share.

Both hand Apprise plain strings only; ``check_channels`` loads plugins and parses URLs, so a UI
runs it off the event loop.
"""

from __future__ import annotations

from shopdesk.config import Settings
from shopdesk.notify.channels import Recipient, channel_kind, fill, placeholders
from shopdesk.notify.message import Rendered
from shopdesk.notify.send import Sender, SendResult, validate_url

KNOWN_PLACEHOLDERS = {"email", "phone", "name", "first_name", "order"}
SAMPLE = Recipient(
    email="customer@example.com", phone="+15555550123", name="Sam Sample", order="1001"
)


def check_channels(settings: Settings) -> list[str]:
    """Problems with the configured channels, one line each, without secrets."""
    problems = []
    for name, template in settings.channels.items():
        unknown = placeholders(template) - KNOWN_PLACEHOLDERS
        if unknown:
            problems.append(
                f"notifications.channels.{name}: unknown placeholder "
                f"{{{sorted(unknown)[0]}}} (known: "
                f"{', '.join(sorted(KNOWN_PLACEHOLDERS))})"
            )
            continue
        url = fill(template, SAMPLE)
        reason = (
            validate_url(url, plugin_paths=settings.plugin_dirs)
            if url
            else "the template needs a value no customer has"
        )
        if reason:
            problems.append(f"notifications.channels.{name}: {reason}")
    for i, url in enumerate(settings.owner_urls):
        if reason := validate_url(url, plugin_paths=settings.plugin_dirs):
            problems.append(f"notifications.owner[{i}]: {reason}")
    return problems


def check_report(settings: Settings, problems: list[str]) -> list[tuple[bool, str]]:
    """(ok, line) for each channel and the owner alerts, the problems first."""
    lines = [(False, problem) for problem in problems]
    if not settings.channels:
        lines.append(
            (False, "No customer channels configured: add [notifications.channels] to the config.")
        )
    for name, template in settings.channels.items():
        if not any(p.startswith(f"notifications.channels.{name}:") for p in problems):
            lines.append((True, f"channel {name}: ok ({channel_kind(name, template)})"))
    if settings.owner_urls and not any(p.startswith("notifications.owner") for p in problems):
        lines.append((True, f"owner alerts: ok ({len(settings.owner_urls)} URL(s))"))
    return lines


def test_message(settings: Settings) -> Rendered:
    """The text a test message carries."""
    text = (
        f"Test message from shopdesk for {settings.shop_name}. If you can read this, "
        "the channel works."
    )
    return Rendered(
        title=f"{settings.shop_name}: test message", body=text, body_format="text", text=text
    )


def test_target(settings: Settings, url_or_channel: str, to: str = "") -> str:
    """The URL a test goes to: an Apprise URL as given, or a configured channel's template
    filled for ``to`` (an email address or phone number).

    Raises:
        InvalidInput: nothing given, or a channel whose template needs an address ``to``
            does not give.
    """
    from shopdesk.errors import InvalidInput

    target = url_or_channel.strip()
    if not target:
        raise InvalidInput("give an Apprise URL (such as mailto://…) or a channel name")
    template = settings.channels.get(target)
    if template is None:
        if "://" not in target:
            known = ", ".join(settings.channels) or "none configured"
            raise InvalidInput(f"{target!r} is neither a URL nor a channel (channels: {known})")
        return target
    to = to.strip()
    recipient = Recipient(
        email=to if "@" in to else None,
        phone=to if to and "@" not in to else "",
        name="Test",
        order="TEST",
    )
    url = fill(template, recipient)
    if url is None:
        raise InvalidInput(
            f"channel {target} sends to "
            f"{', '.join(sorted(placeholders(template)))}: give that address"
        )
    return url


async def send_test(settings: Settings, url: str) -> SendResult:
    """Send the test message to ``url`` (plugins included); never raises for a failed send."""
    async with Sender(plugin_paths=settings.plugin_dirs) as sender:
        return await sender.send(url, test_message(settings))
