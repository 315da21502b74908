"""Dialogs of the queue screens: a line of text (note, reason), a refund, a milestone, a
parcel, a test message. Each is a ``ModalScreen`` that dismisses with its value, or None on
Escape; what the owner typed is checked here first, so a mistake is named beside the field
and nothing is lost."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from shopdesk.errors import InvalidInput
from shopdesk.parsing import format_money, minor_exponent, to_minor
from shopdesk.services.returns import REFUND_DAYS
from shopdesk.tracking.normalize import MILESTONES

T = TypeVar("T")
EXCEPTION_REASONS = (
    "customs",
    "address",
    "damaged",
    "lost",
    "refused",
    "weather",
    "action_required",
    "delayed",
    "other",
)


class FormDialog(ModalScreen[T]):
    """A small form: Enter in a field submits, Escape cancels, errors show under the form."""

    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog > Vertical {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    FormDialog .title { text-style: bold; margin-bottom: 1; }
    FormDialog .hint { color: $text-muted; }
    FormDialog .error { color: $error; height: auto; }
    FormDialog Input, FormDialog Select { margin-bottom: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "submit", "Save", id="dialog.submit"),
    ]
    TITLE_TEXT = ""
    HINT = "Enter saves · Escape cancels"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.TITLE_TEXT, classes="title")
            yield from self.fields()
            yield Static("", classes="error", id="error")
            yield Label(self.HINT, classes="hint")

    def fields(self) -> ComposeResult:
        raise NotImplementedError

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = False
        fields = self.query("Input, Select")
        if fields:
            fields.first().focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        try:
            value = self.value()
        except InvalidInput as exc:
            self.query_one("#error", Static).update(str(exc))
            return
        self.dismiss(value)

    def value(self) -> Any:
        """The form's value. Raises InvalidInput with what to fix."""
        raise NotImplementedError

    def text(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value


class TextDialog(FormDialog[str | None]):
    """One line of text: a note, a reason the customer will see, a dismissal note."""

    def __init__(
        self,
        title: str,
        label: str,
        *,
        placeholder: str = "",
        value: str = "",
        required: bool = True,
        max_length: int = 1000,
    ) -> None:
        super().__init__()
        self.TITLE_TEXT = title
        self.label = label
        self.placeholder = placeholder
        self.initial = value
        self.required = required
        self.max_length = max_length

    def fields(self) -> ComposeResult:
        yield Label(self.label)
        yield Input(self.initial, placeholder=self.placeholder, id="text")

    def value(self) -> str:
        text = self.text("text").strip()
        if self.required and not text:
            raise InvalidInput(f"{self.label.rstrip(':')} is needed; Escape cancels")
        if len(text) > self.max_length:
            raise InvalidInput(f"at most {self.max_length} characters, please ({len(text)} now)")
        return text


class RefundDialog(FormDialog[tuple[int, str] | None]):
    """A refund: the amount (at most what the returned items cost) and how it was paid."""

    TITLE_TEXT = "Refund"

    def __init__(self, rma: str, value_minor: int, currency: str, *, credit: bool = False) -> None:
        super().__init__()
        self.credit = credit
        if credit:
            self.TITLE_TEXT = "Store credit"
        self.rma = rma
        self.value_minor = value_minor
        self.currency = currency

    def fields(self) -> ComposeResult:
        exponent = minor_exponent(self.currency)
        full = f"{self.value_minor / 10**exponent:.{exponent}f}"
        yield Label(
            f"Return {self.rma}: the items cost "
            f"{format_money(self.value_minor, self.currency)}. Amount ({self.currency}):"
        )
        yield Input(full, id="amount")
        if self.credit:
            return
        yield Label("Method:")
        yield Select(
            [(m.replace("_", " "), m) for m in REFUND_DAYS],
            value="card",
            allow_blank=False,
            id="method",
        )

    def value(self) -> tuple[int, str]:
        amount = self.text("amount")
        try:
            minor = to_minor(amount, self.currency)
        except InvalidInput:
            raise InvalidInput(
                f"{amount.strip() or 'nothing'!r} is not an amount: write it "
                f"like 12.50 ({self.currency})"
            ) from None
        if minor < 1:
            raise InvalidInput("the amount must be more than nothing")
        if minor > self.value_minor:
            raise InvalidInput(
                f"{format_money(minor, self.currency)} is more than the items "
                f"cost ({format_money(self.value_minor, self.currency)})"
            )
        if self.credit:
            return minor, "store_credit"
        return minor, str(self.query_one("#method", Select).value)


class MilestoneDialog(FormDialog[tuple[str, str | None, str] | None]):
    """Record a milestone for a parcel by hand (what the carrier said on the phone)."""

    TITLE_TEXT = "Record a milestone"

    def __init__(self, tracking_number: str) -> None:
        super().__init__()
        self.tracking_number = tracking_number

    def fields(self) -> ComposeResult:
        yield Label(f"Parcel {self.tracking_number}: milestone")
        yield Select(
            [(m.replace("_", " "), m) for m in MILESTONES],
            value="in_transit",
            allow_blank=False,
            id="milestone",
        )
        yield Label("Reason (exceptions only):")
        yield Select([(r.replace("_", " "), r) for r in EXCEPTION_REASONS], id="reason")
        yield Label("What happened:")
        yield Input(placeholder="e.g. released by customs", id="description")

    def value(self) -> tuple[str, str | None, str]:
        milestone = str(self.query_one("#milestone", Select).value)
        reason = self.query_one("#reason", Select)
        reason_text = None if reason.is_blank() else str(reason.value)
        if reason_text and milestone != "exception":
            raise InvalidInput(
                "a reason goes with the exception milestone only; clear it or choose exception"
            )
        return milestone, reason_text, self.text("description").strip()


class ShipDialog(FormDialog[tuple[str, str] | None]):
    """Add the parcel an order went out in: tracking number, carrier (guessed if empty)."""

    TITLE_TEXT = "Add a parcel"

    def __init__(self, order_number: str) -> None:
        super().__init__()
        self.order_number = order_number

    def fields(self) -> ComposeResult:
        yield Label(f"Order {self.order_number}: tracking number")
        yield Input(id="tracking")
        yield Label("Carrier (empty: guessed from the number):")
        yield Input(id="carrier")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "tracking":
            from shopdesk.tracking.carriers import guess_carrier

            guess = guess_carrier(event.value.strip().upper()) if event.value.strip() else None
            self.query_one("#carrier", Input).placeholder = guess or ""

    def value(self) -> tuple[str, str]:
        tracking = self.text("tracking").strip()
        if not tracking:
            raise InvalidInput("the tracking number is needed")
        return tracking, self.text("carrier").strip()


class TestMessageDialog(FormDialog[tuple[str, str] | None]):
    """Where a test message goes: an Apprise URL, or a channel name and an address."""

    TITLE_TEXT = "Send a test message"

    def __init__(self, channels: list[str], default: str = "") -> None:
        super().__init__()
        self.channels = channels
        self.default = default

    def fields(self) -> ComposeResult:
        names = ", ".join(self.channels) or "none configured"
        yield Label(f"Apprise URL, or a channel name ({names}):")
        yield Input(self.default, id="target")
        yield Label("Send to (for a channel: an email address or phone number):")
        yield Input(id="to")

    def value(self) -> tuple[str, str]:
        target = self.text("target").strip()
        if not target:
            raise InvalidInput("give an Apprise URL or a channel name")
        return target, self.text("to").strip()
