"""Notifications: the outbox — queued, sent, skipped and failed messages with the reason —
filtered by status, with a retry for failed ones and a test message to any channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Footer

from shopdesk.config_view import mask_url
from shopdesk.services.notifications import AttemptView, NotificationRow
from tui.dialogs.queue import TestMessageDialog
from tui.screens.queue_base import PagedQueueScreen
from tui.widgets.queue import DetailPane, KeyedTable, StatusLine, local
from tui.workers import guarded_work

FILTERS = (None, "failed", "queued", "sending", "sent", "skipped")
PAGE = 200
STATUS_STYLES = {
    "failed": "bold red",
    "skipped": "yellow",
    "sent": "green",
    "queued": "cyan",
    "sending": "cyan",
}


class NotificationsScreen(PagedQueueScreen):
    """The outbox."""

    HELP = """\
**Notifications** — every message to a customer, newest first: queued, being sent, sent,
skipped (with the reason) or failed (with the error). `f` and `F` filter by status.

`y` queues a failed message again; the worker sends it on its next pass. `t` sends a test
message to any channel or address, to check the settings. `Enter` opens the order. More
rows load as you scroll.
"""

    WORK = ("Loading the outbox", "Loading more messages", "Updating the outbox")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_order", "Open", id="notifications.open", priority=True),
        Binding("y", "retry", "Retry", id="notifications.retry"),
        Binding("t", "test", "Send test", id="notifications.test"),
        Binding("f", "next_filter", "Filter", id="notifications.filter"),
        Binding(
            "F", "previous_filter", "Previous filter", id="notifications.filter_back", show=False
        ),
        Binding("g", "reload", "Reload", id="notifications.reload", show=False),
    ]

    @dataclass
    class Detail(Message):
        row: NotificationRow
        attempts: tuple[AttemptView, ...]

    @dataclass
    class TestSent(Message):
        """A test message went out (``ok``) or did not, with Apprise's reason."""

        target: str  # the channel or URL as the owner typed it
        ok: bool
        error: str

    def __init__(self) -> None:
        super().__init__()
        self.filter: str | None = None
        self.sending = False

    def compose(self) -> ComposeResult:
        yield StatusLine("Notifications", id="status")
        yield KeyedTable(
            [
                ("id", "#"),
                ("order", "Order"),
                ("kind", "Message"),
                ("channel", "Channel"),
                ("status", "Status"),
                ("when", "When"),
                ("why", "Reason"),
            ],
            sort_column="id",
            reverse=True,
            id="outbox",
        )
        yield DetailPane(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.table.focus()
        self.load()

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#outbox", KeyedTable)

    # --- loading -------------------------------------------------------------------------

    async def fetch_page(
        self, after: object | None
    ) -> tuple[tuple[NotificationRow, ...], int | None]:
        from shopdesk.services.notifications import list_notifications

        rows = await list_notifications(
            self.filter, limit=PAGE, after=None if after is None else int(str(after))
        )
        # A full page means there may be more, after its last (oldest) row.
        return rows, rows[-1].id if len(rows) == PAGE else None

    async def fetch_counts(self) -> dict[str, int]:
        from shopdesk.notify.outbox import counts

        return await counts()

    async def fetch_for_orders(self, order_ids: list[int]) -> tuple[NotificationRow, ...]:
        from shopdesk.services.notifications import notifications_for_orders

        return await notifications_for_orders(order_ids)

    def reload(self) -> None:
        row = self.current
        if row is None:
            self.load()
        else:
            self._load_orders(frozenset({row.order_id}), mark=False)

    def wanted(self, row: NotificationRow) -> bool:
        after = self.paging.after
        if after is not None and row.id < int(str(after)):
            return False  # older than the pages loaded: it shows when its page does
        return self.filter is None or row.status == self.filter

    def cells(self, row: NotificationRow) -> dict[str, object]:
        when = row.sent_at or row.due_at
        return {
            "id": row.id,
            "order": row.order_number,
            "kind": row.kind.replace("_", " "),
            "channel": row.channel,
            "status": Text(row.status, style=STATUS_STYLES.get(row.status, "")),
            "when": local(when, self.settings.zone),
            "why": row.last_error if row.status != "sent" else "",
        }

    def _show_status(self, note: str = "") -> None:
        parts = [f"{self.counts.get(s, 0)} {s}" for s in ("queued", "sent", "skipped", "failed")]
        text = f"Notifications — {(self.filter or 'all')}: {' · '.join(parts)} (f: filter)"
        self.query_one("#status", StatusLine).update(note or text)

    @guarded_work("Loading the message", group="notifications-detail")
    async def show_detail(self) -> None:
        from shopdesk.services.notifications import attempts

        row = self.current
        if row is None:
            self.query_one("#detail", DetailPane).update(
                "No messages here. f shows the other statuses; t sends a test message."
            )
            self.refresh_bindings()
            return
        self.post_message(self.Detail(row, await attempts(row.id)))

    def on_notifications_screen_detail(self, message: Detail) -> None:
        row = message.row
        if self.current is None or self.current.id != row.id:
            return
        self.refresh_bindings()
        zone = self.settings.zone
        lines = [
            f"[b]#{row.id}[/b] · order {escape(row.order_number)} · "
            f"{row.kind.replace('_', ' ')} by {escape(row.channel)} · {row.status} · "
            f"due {local(row.due_at, zone)}"
            + (f" · sent {local(row.sent_at, zone)}" if row.sent_at else "")
        ]
        if row.last_error:
            lines.append(f"Reason: {escape(row.last_error)}")
        for attempt in message.attempts:
            outcome = "ok" if attempt.ok else f"failed: {escape(attempt.error)}"
            lines.append(f"  attempt {local(attempt.at, zone)}: {outcome}")
        if row.status == "failed":
            lines.append("[b]y[/b] retry once more")
        self.query_one("#detail", DetailPane).update("\n".join(lines))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_order":
            return self.current is not None and bool(self.current.order_number)
        if action == "retry":
            row = self.current
            return row is not None and row.status == "failed"
        if action == "test":
            return not self.sending
        return True

    # --- actions ------------------------------------------------------------------------

    def action_next_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self.load()

    def action_previous_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) - 1) % len(FILTERS)]
        self.load()

    def action_reload(self) -> None:
        self.load()

    def action_retry(self) -> None:
        row = self.current
        if row is None or row.status != "failed":
            return
        from shopdesk.notify.outbox import retry

        self.run_job(
            "retry",
            lambda: retry(row.id),
            f"Message #{row.id} is queued again; the worker sends it on its next pass.",
        )

    def action_test(self) -> None:
        if self.sending:
            return
        settings = self.settings
        default = settings.owner_urls[0] if settings.owner_urls else ""
        self.ask(
            TestMessageDialog(list(settings.channels), default),
            lambda value: self.send_test(*value),
        )

    @guarded_work("Sending a test message", group="notifications-test")
    async def send_test(self, target: str, to: str) -> None:
        """Apprise runs in the Sender's threads; it gets plain strings only."""
        from shopdesk.errors import InvalidInput
        from shopdesk.notify.check import send_test, test_target

        try:
            url = test_target(self.settings, target, to)
        except InvalidInput as exc:
            self.post_message(self.TestSent(target, False, str(exc)))
            return
        self.sending = True
        self.refresh_bindings()
        self._show_status(f"Sending a test message to {mask_url(target)}…")
        try:
            result = await send_test(self.settings, url)
        finally:
            self.sending = False
        self.post_message(self.TestSent(target, result.ok, result.error))

    def on_notifications_screen_test_sent(self, message: TestSent) -> None:
        self.refresh_bindings()
        self._show_status()
        if message.ok:
            self.notify(f"Test message sent to {mask_url(message.target)}.", title="Sent")
        else:
            self.notify(
                f"{message.error}\nCheck the URL in the config ('shopdesk notify "
                "check' lists problems).",
                title="Not sent",
                severity="error",
                timeout=10,
            )
