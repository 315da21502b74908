"""Preview what the customer would get about a milestone, and resend a message that went out."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Label, Select, Static

from shopdesk.errors import ShopdeskError
from shopdesk.notify.message import CHANNEL_KINDS, KINDS
from shopdesk.services.order_messages import MessageRow, preview_message, resend
from tui import format as fmt
from tui.dialogs.base import Dialog
from tui.workers import guarded_work


class MessageDialog(Dialog[None]):
    """Preview any message; resend one from the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "resend", "Resend", id="message.resend"),
    ]

    def __init__(self, number: str, messages: tuple[MessageRow, ...]) -> None:
        super().__init__()
        self.number = number
        self.messages = messages

    def compose(self) -> ComposeResult:
        channels = list(self.app.settings.channels) or list(CHANNEL_KINDS)
        with Vertical(classes="dialog wide"):
            yield Static(f"Messages for order {self.number}", classes="dialog-title")
            with Horizontal(classes="row"):
                yield Select(
                    [(k.replace("_", " "), k) for k in KINDS[:-1]],
                    id="kind",
                    allow_blank=False,
                    value="shipped",
                )
                yield Select([(c, c) for c in channels], id="channel", allow_blank=False)
            with VerticalScroll(id="preview-box"):
                yield Static("", id="preview")
            yield Label("Sent and queued (Enter or r resends the highlighted one)")
            table: DataTable = DataTable(id="sent", cursor_type="row")
            table.add_columns("When", "Message", "Channel", "Status")
            zone = self.app.settings.zone
            for m in self.messages:
                table.add_row(
                    fmt.when(m.sent_at or m.due_at, zone),
                    m.kind,
                    m.channel,
                    m.status,
                    key=str(m.id),
                )
            yield table
            with Horizontal(classes="buttons"):
                yield Button("Resend", id="resend", variant="primary", disabled=not self.messages)
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.show_preview()

    @on(Select.Changed)
    def show_preview(self) -> None:
        self._preview(
            str(self.query_one("#kind", Select).value),
            str(self.query_one("#channel", Select).value),
        )

    @guarded_work("Rendering the message", group="preview")
    async def _preview(self, kind: str, channel: str) -> None:
        try:
            preview = await preview_message(self.app.settings, self.number, kind, channel)
        except ShopdeskError as exc:
            self.query_one("#preview", Static).update(f"Cannot preview: {exc}")
            return
        self.query_one("#preview", Static).update(f"{preview.title}\n\n{preview.text}")

    @on(DataTable.RowSelected)
    @on(Button.Pressed, "#resend")
    def resend_highlighted(self) -> None:
        table = self.query_one("#sent", DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self._resend(int(str(key)))

    @guarded_work("Queueing the message again", group="resend", exclusive=False)
    async def _resend(self, notification_id: int) -> None:
        try:
            await resend(notification_id)
        except ShopdeskError as exc:
            self.notify(str(exc), title="Not resent", severity="warning", timeout=8)
            return
        self.notify(
            "Queued again; the worker sends it within a few seconds.", title="Message resent"
        )
        self.dismiss(None)

    def action_resend(self) -> None:
        self.resend_highlighted()

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)
