"""The command palette (Ctrl+P): every section, plus the commands of the screen it was opened
from: each of its key bindings that applies now, and any extra commands the screen lists in
``palette_commands()``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Set
from functools import partial
from typing import Protocol

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

# (name, help, callback)
PaletteCommand = tuple[str, str, Callable[[], object]]


class HasCommands(Protocol):
    def palette_commands(self) -> Iterable[PaletteCommand]: ...


class ShopdeskCommands(Provider):
    """Every command, in a fixed order: the current screen's first, then the sections, then
    Textual's own (theme, keys, quit…).

    One provider rather than several: Textual keeps the providers in a set and runs each in
    its own task, so with several the palette's order changed from one start to the next.
    """

    def entries(self) -> list[tuple[str, str, Callable[[], object], bool]]:
        """(name, help, callback, shown before anything is typed)."""
        ours = [*screen_commands(self.screen), *section_commands(self.app)]
        system = sorted(self.app.get_system_commands(self.screen), key=lambda c: c[0])
        return [
            *((name, help_text, callback, True) for name, help_text, callback in ours),
            *((c.title, c.help, c.callback, c.discover) for c in system),
        ]

    async def discover(self) -> Hits:
        for name, help_text, callback, shown in self.entries():
            if shown:
                yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback, _ in self.entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


def section_commands(app: App[object]) -> list[PaletteCommand]:
    """Go to any section."""
    from tui.app import SECTIONS

    run = app.run_action
    return [
        (
            f"Go to {title}",
            f"Show the {title.lower()} section",
            partial(run, f"section('{mode}')"),
        )
        for mode, (_, _, title) in SECTIONS.items()
    ]


def screen_commands(screen: Screen) -> list[PaletteCommand]:
    """What can be done on the screen the palette was opened from: its extra commands
    (``palette_commands()``), then its key bindings that apply now."""
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
