"""Add a parcel: the tracking number, the carrier (guessed from the number as it is typed,
always changeable) and the service."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from shopdesk.errors import InvalidInput
from shopdesk.tracking.carriers import clean_tracking_number, guess_carrier
from tui.dialogs.base import Dialog
from tui.dialogs.forms import ShipmentForm


class ShipmentDialog(Dialog[ShipmentForm]):
    """Add a parcel to an order."""

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.carrier_edited = False  # once the owner types a carrier, stop suggesting

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Add a parcel to order {self.number}", classes="dialog-title")
            yield Label("Tracking number")
            yield Input(id="tracking", placeholder="e.g. 1Z999AA10123456784")
            yield Label("Carrier (suggested from the number; change it if wrong)")
            yield Input(id="carrier", placeholder="e.g. UPS, DHL, USPS")
            yield Label("Service (optional)")
            yield Input(id="service")
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Add parcel", id="ok", variant="primary")
                yield Button("Cancel", id="close")

    @on(Input.Changed, "#tracking")
    def suggest(self, event: Input.Changed) -> None:
        if self.carrier_edited:
            return
        guess = guess_carrier(event.value) or ""
        carrier = self.query_one("#carrier", Input)
        with carrier.prevent(Input.Changed):
            carrier.value = guess

    @on(Input.Changed, "#carrier")
    def carrier_typed(self) -> None:
        self.carrier_edited = True

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        tracking = self.query_one("#tracking", Input).value
        carrier = self.query_one("#carrier", Input).value.strip()
        try:
            cleaned = clean_tracking_number(tracking)
        except InvalidInput as exc:
            self.problem(f"{exc}.")
            self.query_one("#tracking", Input).focus()
            return
        if not carrier:
            self.problem("Name the carrier: it could not be told from the number.")
            self.query_one("#carrier", Input).focus()
            return
        self.dismiss(ShipmentForm(cleaned, carrier, self.query_one("#service", Input).value))

    def problem(self, text: str) -> None:
        self.query_one("#problem", Static).update(text)

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)
