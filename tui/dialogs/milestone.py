"""Record a milestone by hand: which parcel, what happened, why (for exceptions)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from shopdesk.tracking.normalize import MILESTONES, REASONS
from tui.dialogs.base import Dialog
from tui.dialogs.forms import MilestoneForm


class MilestoneDialog(Dialog[MilestoneForm]):
    """What happened to a parcel, now."""

    def __init__(self, parcels: list[str]) -> None:
        super().__init__()
        self.parcels = parcels

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Record a milestone (happened now)", classes="dialog-title")
            yield Label("Parcel")
            yield Select([(p, p) for p in self.parcels], id="parcel", allow_blank=False)
            yield Label("Milestone")
            yield Select(
                [(m.replace("_", " "), m) for m in MILESTONES],
                id="milestone",
                allow_blank=False,
                value="in_transit",
            )
            yield Label("Reason (exceptions only)")
            yield Select([(r.replace("_", " "), r) for r in REASONS], id="reason", prompt="none")
            yield Label("Description (optional)")
            yield Input(id="description")
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Record", id="ok", variant="primary")
                yield Button("Cancel", id="close")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        milestone = str(self.query_one("#milestone", Select).value)
        reason = self.query_one("#reason", Select).value
        reason = None if reason is Select.NULL else str(reason)
        if milestone == "exception" and reason is None:
            self.query_one("#problem", Static).update("An exception needs a reason.")
            return
        if milestone != "exception":
            reason = None
        self.dismiss(
            MilestoneForm(
                str(self.query_one("#parcel", Select).value),
                milestone,
                reason,
                self.query_one("#description", Input).value.strip(),
            )
        )

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)
