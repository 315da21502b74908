"""Filter and sort the order list."""

from __future__ import annotations

from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from tui.dialogs.base import Dialog
from tui.format import STAGE_LABELS
from tui.screens.orders import Filters

ATTENTION = (
    ("all orders", "any"),
    ("only those that need me", "yes"),
    ("only those that don't", "no"),
)


class FilterDialog(Dialog[Filters]):
    """Stage, carrier, attention and sort order."""

    def __init__(self, filters: Filters) -> None:
        super().__init__()
        self.filters = filters

    def compose(self) -> ComposeResult:
        f = self.filters
        attention = {None: "any", True: "yes", False: "no"}[f.attention]
        with Vertical(classes="dialog"):
            yield Static("Filter orders", classes="dialog-title")
            yield Label("Stage")
            yield Select(
                [(label, stage) for stage, label in STAGE_LABELS.items()],
                id="stage",
                prompt="all stages",
                value=f.stage if f.stage else Select.NULL,
            )
            yield Label("Carrier")
            yield Input(f.carrier, id="carrier", placeholder="all carriers")
            yield Label("Attention")
            yield Select(ATTENTION, id="attention", allow_blank=False, value=attention)
            yield Label("Sort")
            yield Select(
                (("newest first", "new"), ("oldest first", "old")),
                id="sort",
                allow_blank=False,
                value="old" if f.oldest_first else "new",
            )
            with Horizontal(classes="buttons"):
                yield Button("Apply", id="ok", variant="primary")
                yield Button("Cancel", id="close")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        stage = self.query_one("#stage", Select).value
        attention = self.query_one("#attention", Select).value
        self.dismiss(
            replace(
                self.filters,
                stage=None if stage is Select.NULL else str(stage),
                carrier=self.query_one("#carrier", Input).value.strip(),
                attention={"any": None, "yes": True, "no": False}[str(attention)],
                oldest_first=self.query_one("#sort", Select).value == "old",
            )
        )

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)
