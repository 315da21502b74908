"""The command palette (Ctrl+P): every section, plus the commands of the screen it was opened
from (each screen lists them in ``palette_commands()``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Protocol

from textual.command import DiscoveryHit, Hit, Hits, Provider

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
        return list(listed()) if callable(listed) else []
