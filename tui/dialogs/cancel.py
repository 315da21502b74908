"""Cancel an order: asks for a reason and a clear yes."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from tui.dialogs.base import Dialog
from tui.dialogs.forms import CancelForm


class CancelDialog(Dialog[CancelForm]):
    """Confirm a cancellation."""

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Cancel order {self.number}?", classes="dialog-title")
            yield Static("The customer is told if a channel is set up. This cannot be undone.")
            yield Label("Reason (optional)")
            yield Input(id="reason")
            with Horizontal(classes="buttons"):
                yield Button("Cancel the order", id="ok", variant="error")
                yield Button("Keep it", id="close")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        self.dismiss(CancelForm(self.query_one("#reason", Input).value.strip()))

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)
