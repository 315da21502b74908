"""Add a note to an order."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static, TextArea

from tui.dialogs.base import Dialog


class NoteDialog(Dialog[str]):
    """A note's text; Ctrl+S saves."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "save", "Save", id="note.save")]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Note on order {self.number}  (Ctrl+S saves)", classes="dialog-title")
            yield TextArea(id="body")
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="ok", variant="primary")
                yield Button("Cancel", id="close")

    @on(Button.Pressed, "#ok")
    def action_save(self) -> None:
        body = self.query_one("#body", TextArea).text.strip()
        if not body:
            self.query_one("#problem", Static).update("Write something first.")
            return
        if len(body) > 10_000:
            self.query_one("#problem", Static).update("A note may have up to 10,000 characters.")
            return
        self.dismiss(body)

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)
