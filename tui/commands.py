"""The command palette (Ctrl+P): every section, plus the commands of the screen it was opened
from: each of its key bindings that applies now, and any extra commands the screen lists in
``palette_commands()``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Set
from functools import partial
from typing import Protocol

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

# (name, help, callback)
PaletteCommand = tuple[str, str, Callable[[], object]]


class HasCommands(Protocol):
    def palette_commands(self) -> Iterable[PaletteCommand]: ...


class _Commands(Provider):
    def commands(self) -> list[PaletteCommand]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for name, help_text, callback in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class SectionCommands(_Commands):
    """Go to any section."""

    def commands(self) -> list[PaletteCommand]:
        from tui.app import SECTIONS

        run = self.app.run_action
        return [
            (
                f"Go to {title}",
                f"Show the {title.lower()} section",
                partial(run, f"section('{mode}')"),
            )
            for mode, (_, _, title) in SECTIONS.items()
        ]


class ScreenCommands(_Commands):
    """What can be done on the screen the palette was opened from."""

    def commands(self) -> list[PaletteCommand]:
        screen = self.screen
        listed = getattr(screen, "palette_commands", None)
        extra = list(listed()) if callable(listed) else []
        covered = {getattr(callback, "__name__", "") for _, _, callback in extra}
        return [*extra, *binding_commands(screen, skip=covered)]


def binding_commands(screen: Screen, *, skip: Set[str] = frozenset()) -> list[PaletteCommand]:
    """The screen's own key bindings that apply now, as palette commands ("Returns: Approve",
    with the key as help). ``skip``: action methods already offered under a better name."""
    from tui.keys import KNOWN_IDS

    section = type(screen).__name__.removesuffix("Screen")
    found: list[PaletteCommand] = []
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        action = binding.action
        if (
            active.node is not screen
            or binding.id not in KNOWN_IDS
            or not binding.description
            or action in seen
            or f"action_{action}" in skip
            or not active.enabled
        ):
            continue
        seen.add(action)
        key = screen.app.get_key_display(binding)
        found.append(
            (
                f"{section}: {binding.description}",
                f"key: {key}",
                partial(screen.app.run_action, action, screen),
            )
        )
    return found
