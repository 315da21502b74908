"""F1 / ?: what the current screen is for and every key that works on it."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown, Static

from tui.keys import KNOWN_IDS

GENERAL = """\
Sections: `d` Dashboard, `o` Orders, `x` Exceptions, `r` Returns, `n` Notifications,
`s` Settings. `/` searches, `Ctrl+P` lists every command for this screen, `Ctrl+Q` quits.
"""


class HelpScreen(ModalScreen[None]):
    """Help for the screen it was opened from."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,question_mark,q", "close", "Close", id="help.close")
    ]

    def __init__(self, about: Screen) -> None:
        super().__init__()
        self.about = about

    def compose(self) -> ComposeResult:
        text = getattr(self.about, "HELP", "") or (self.about.__doc__ or "").strip()
        keys = Table(box=None, show_header=False, padding=(0, 2))
        keys.add_column(style="bold")
        keys.add_column()
        seen: set[str] = set()
        bindings = self.about.active_bindings.items()
        # This screen's keys first, then the app's; not the focused widget's cursor keys.
        for owner in (self.about, self.app):
            for key, active in bindings:
                binding = active.binding
                if (
                    active.node is owner
                    and binding.id in KNOWN_IDS  # ours, not Textual's own
                    and binding.description
                    and binding.action not in seen
                ):
                    seen.add(binding.action)
                    keys.add_row(binding.key_display or format_key(key), binding.description)
        with Vertical(classes="dialog wide", id="help"):
            with VerticalScroll():
                yield Markdown(f"{text}\n\n{GENERAL}")
                yield Static(keys, id="help-keys")
            yield Static("Escape closes this help.", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
