"""Exceptions: everything that needs the owner, oldest first, each with the actions that
resolve it and a dismiss-with-note."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer

from shopdesk.services.exceptions import ExceptionItem, ExceptionQueue
from tui.dialogs.queue import MilestoneDialog, RefundDialog, ShipDialog, TextDialog
from tui.messages import DataChanged
from tui.screens.queue_base import QueueScreen
from tui.widgets.queue import DetailPane, KeyedTable, StatusLine, local
from tui.workers import guarded_work

KIND_LABELS = {
    "exception": "exception",
    "attempt_failed": "failed attempt",
    "returning_to_sender": "returning",
    "returned_to_sender": "returned",
    "stalled": "stalled",
    "late": "late",
    "dispatch_delayed": "not shipped",
    "notification_failed": "message failed",
    "import_error": "unreadable row",
    "return_requested": "return asked",
    "return_received": "return back",
    "return_parcel": "return parcel",
}
# Action name -> (key, what the detail pane calls it).
ACTION_KEYS = {
    "milestone": ("k", "record a milestone"),
    "note": ("t", "add a note"),
    "retry": ("y", "retry the message"),
    "ship": ("p", "add a parcel"),
    "approve": ("a", "approve"),
    "reject": ("j", "reject"),
    "refund": ("m", "refund"),
    "exchange": ("e", "exchange"),
    "receive": ("v", "mark received"),
}


class ExceptionsScreen(QueueScreen):
    """The exceptions queue."""

    HELP = """\
**Exceptions** — everything that needs you, oldest first: parcels stuck, late or returned,
failed delivery attempts and carrier exceptions, orders not shipped in time, messages that
could not be sent, imported rows nobody could read, and returns waiting for you.

The pane below the list says what happened and which keys resolve it; only those keys work
on that row. `Del` dismisses an item with a note (it comes back if its cause changes); `i`
shows dismissed items too. `Enter` opens the order. Rows marked ● changed while you looked.
"""

    DEFAULT_CSS = """
    ExceptionsScreen { layout: vertical; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_order", "Open", id="exceptions.open", priority=True),
        Binding("k", "milestone", "Milestone", id="exceptions.milestone"),
        Binding("t", "note", "Note", id="exceptions.note"),
        Binding("y", "retry", "Retry", id="exceptions.retry"),
        Binding("p", "ship", "Add parcel", id="exceptions.ship"),
        Binding("a", "approve", "Approve", id="exceptions.approve"),
        Binding("j", "reject", "Reject", id="exceptions.reject"),
        Binding("m", "refund", "Refund", id="exceptions.refund"),
        Binding("e", "exchange", "Exchange", id="exceptions.exchange"),
        Binding("v", "receive", "Received", id="exceptions.receive"),
        Binding("delete", "dismiss", "Dismiss", id="exceptions.dismiss", key_display="del"),
        Binding(
            "i", "toggle_dismissed", "Show dismissed", id="exceptions.show_dismissed", show=False
        ),
        Binding("g", "reload", "Reload", id="exceptions.reload", show=False),
    ]

    @dataclass
    class Loaded(Message):
        queue: ExceptionQueue
        mark: bool  # changed by someone else: mark what is new or different

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, ExceptionItem] = {}
        self.show_dismissed = False
        self.dismissed = 0

    def compose(self) -> ComposeResult:
        yield StatusLine("Exceptions", id="status")
        yield KeyedTable(
            [("since", "Since"), ("kind", "What"), ("title", "Details")],
            sort_column="since",
            id="queue",
        )
        yield DetailPane(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(KeyedTable).focus()
        self.load(False)

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#queue", KeyedTable)

    @property
    def current(self) -> ExceptionItem | None:
        key = self.table.current_key
        return self.items.get(key) if key else None

    # --- loading -------------------------------------------------------------------------

    @guarded_work("Loading the exceptions", group="exceptions-load")
    async def load(self, mark: bool) -> None:
        from shopdesk.services.exceptions import exceptions_queue

        self.table.loading = not mark  # not for live updates: they change a row or two
        try:
            queue = await exceptions_queue(include_dismissed=self.show_dismissed)
        finally:
            self.table.loading = False
        self.post_message(self.Loaded(queue, mark))

    def reload(self) -> None:
        self.load(False)

    def on_data_changed(self, message: DataChanged) -> None:
        self.load(True)

    def on_exceptions_screen_loaded(self, message: Loaded) -> None:
        """Apply the queue as a difference: rows that went away leave, new and changed rows
        are updated in place (and marked when someone else changed them)."""
        table = self.table
        fresh = {item.key: item for item in message.queue.items}
        for key in [k for k in self.items if k not in fresh]:
            table.drop(key)
        for key, item in fresh.items():
            if self.items.get(key) != item:
                table.upsert(key, self._cells(item), mark=message.mark)
        self.items = fresh
        self.dismissed = message.queue.dismissed
        table.resort()
        self._show_status()
        self._show_detail()

    def _cells(self, item: ExceptionItem) -> dict[str, object]:
        title = item.title if item.dismissed_note is None else f"(dismissed) {item.title}"
        return {
            "since": local(item.since, self.settings.zone),
            "kind": KIND_LABELS.get(item.kind, item.kind),
            "title": title,
        }

    def _show_status(self) -> None:
        count = len(self.items)
        text = (
            "Nothing needs you."
            if not count
            else f"{count} item{'s' if count != 1 else ''} need{'s' if count == 1 else ''} you"
        )
        if self.dismissed and not self.show_dismissed:
            text += f" · {self.dismissed} dismissed (i shows them)"
        self.query_one("#status", StatusLine).update(f"Exceptions — {text}")

    def _show_detail(self) -> None:
        item = self.current
        pane = self.query_one("#detail", DetailPane)
        if item is None:
            pane.update(
                "When a parcel is stuck, a message fails or a return waits for you, "
                "it shows up here."
            )
            return
        acts = [f"[b]{ACTION_KEYS[a][0]}[/b] {ACTION_KEYS[a][1]}" for a in item.actions]
        acts.append("[b]del[/b] dismiss with a note")
        lines = [
            f"[b]{escape(item.title)}[/b]",
            f"since {local(item.since, self.settings.zone)}"
            + (f" · order {escape(item.order_number)}" if item.order_number else ""),
        ]
        if item.detail:
            lines.append(escape(item.detail))
        if item.dismissed_note is not None:
            lines.append(f"[i]dismissed: {escape(item.dismissed_note)}[/i]")
        lines.append(" · ".join(acts))
        pane.update("\n".join(lines))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.table.unmark(event.row_key.value)
        self._show_detail()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_order":
            return self.current is not None and bool(self.current.order_number)
        if action in ACTION_KEYS:
            item = self.current
            return item is not None and action in item.actions
        if action == "dismiss":
            item = self.current
            return item is not None and item.dismissed_note is None
        return True

    # --- actions ------------------------------------------------------------------------

    def action_open_order(self) -> None:
        current = self.current
        self.open_order(current.order_number if current else None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_order()  # a click on the highlighted row

    def _item(self, action: str) -> ExceptionItem | None:
        item = self.current
        if item is None or (action in ACTION_KEYS and action not in item.actions):
            self.notify("That does not apply to this item.", severity="warning")
            return None
        return item

    def action_reload(self) -> None:
        self.load(False)

    def action_toggle_dismissed(self) -> None:
        self.show_dismissed = not self.show_dismissed
        self.load(False)

    def action_milestone(self) -> None:
        if not (item := self._item("milestone")) or not item.tracking_number:
            return

        def save(value: tuple[str, str | None, str]) -> None:
            from shopdesk.services.common import utcnow
            from shopdesk.services.shipments import NewEvent, record_event

            milestone, reason, description = value
            event = NewEvent(
                tracking_number=item.tracking_number or "",
                occurred_at=utcnow(),
                milestone=milestone,
                reason=reason,
                description=description,
                order_number=item.order_number,
            )
            self.run_job(
                "milestone",
                lambda: record_event(event),
                f"Recorded {milestone.replace('_', ' ')} for {item.tracking_number}.",
            )

        self.ask(MilestoneDialog(item.tracking_number), save)

    def action_note(self) -> None:
        if not (item := self._item("note")) or not item.order_number:
            return
        number = item.order_number

        def save(text: str) -> None:
            from shopdesk.services.orders import add_note

            self.run_job("note", lambda: add_note(number, text), f"Note added to {number}.")

        self.ask(TextDialog(f"Note on order {number}", "Note:", max_length=10_000), save)

    def action_retry(self) -> None:
        if not (item := self._item("retry")) or item.ref_id is None:
            return
        from shopdesk.notify.outbox import retry

        ref = item.ref_id
        self.run_job(
            "retry", lambda: retry(ref), "Queued again: the worker sends it on its next pass."
        )

    def action_ship(self) -> None:
        if not (item := self._item("ship")) or not item.order_number:
            return
        number = item.order_number

        def save(value: tuple[str, str]) -> None:
            from shopdesk.services.shipments import add_shipment

            tracking, carrier = value
            self.run_job(
                "ship",
                lambda: add_shipment(number, tracking, carrier=carrier or None),
                f"Parcel {tracking} added to order {number}.",
            )

        self.ask(ShipDialog(number), save)

    def action_approve(self) -> None:
        if not (item := self._item("approve")) or item.ref_id is None:
            return
        from shopdesk.services.returns import approve

        ref = item.ref_id
        self.run_job("approve", lambda: approve(ref), "Return approved; the customer is told.")

    def action_reject(self) -> None:
        if not (item := self._item("reject")) or item.ref_id is None:
            return
        ref = item.ref_id

        def save(reason: str) -> None:
            from shopdesk.services.returns import reject

            self.run_job(
                "reject", lambda: reject(ref, reason), "Return rejected; the customer is told why."
            )

        self.ask(
            TextDialog("Reject the return", "Reason the customer will see:", max_length=500), save
        )

    def action_refund(self) -> None:
        if not (item := self._item("refund")) or item.ref_id is None:
            return
        self.open_refund(item.ref_id)

    @guarded_work("Opening the refund", group="queue-action")
    async def open_refund(self, ref: int) -> None:
        from shopdesk.errors import ShopdeskError
        from shopdesk.services.returns import get_return, refund

        try:
            ret = await get_return(ref)
        except ShopdeskError as exc:
            self.post_message(self.Failed("refund", str(exc)))
            return

        def save(value: tuple[int, str]) -> None:
            amount, method = value
            self.run_job(
                "refund",
                lambda: refund(ref, amount, method),
                f"Refund recorded for {ret.rma}; the customer is told.",
            )

        self.ask(RefundDialog(ret.rma, ret.value_minor, ret.currency), save)

    def action_exchange(self) -> None:
        if not (item := self._item("exchange")) or item.ref_id is None:
            return
        ref = item.ref_id

        def save(note: str) -> None:
            from shopdesk.services.returns import exchange

            self.run_job(
                "exchange", lambda: exchange(ref, note), "Exchange recorded; the customer is told."
            )

        self.ask(
            TextDialog(
                "Exchange sent",
                "What was sent (the customer sees it):",
                required=False,
                max_length=500,
            ),
            save,
        )

    def action_receive(self) -> None:
        if not (item := self._item("receive")) or item.ref_id is None:
            return
        from shopdesk.services.returns import mark_received

        ref = item.ref_id
        self.run_job("receive", lambda: mark_received(ref), "Marked as received.")

    def action_dismiss(self) -> None:
        item = self.current
        if item is None or item.dismissed_note is not None:
            return
        key = item.key

        def save(note: str) -> None:
            from shopdesk.services.exceptions import dismiss

            self.run_job(
                "dismiss",
                lambda: dismiss(key, note),
                "Dismissed; it comes back if its cause changes.",
            )

        self.ask(TextDialog("Dismiss", "Why can it wait? (a note for later)"), save)
