"""Returns: the list (filter by status), the return under the cursor in full, and the
owner's actions — approve, reject, mark received, refund, exchange, credit, close — through
the return services, which tell the customer through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Footer

from shopdesk.parsing import format_money
from shopdesk.services.returns import ReturnRow, ReturnView
from tui.dialogs.queue import RefundDialog, TextDialog
from tui.screens.queue_base import PagedQueueScreen
from tui.widgets.queue import DetailPane, KeyedTable, StatusLine, local
from tui.workers import guarded_work

FILTERS = (
    "open",
    None,
    "requested",
    "approved",
    "in_transit",
    "received",
    "refunded",
    "exchanged",
    "credited",
    "closed",
    "rejected",
    "expired",
)
PAGE = 200
# Which statuses each action applies to (the services say the same, and refuse otherwise).
ALLOWED = {
    "approve": ("requested", "expired"),
    "reject": ("requested", "approved"),
    "receive": ("requested", "approved", "in_transit", "expired"),
    "refund": ("approved", "in_transit", "received"),
    "exchange": ("approved", "in_transit", "received"),
    "credit": ("approved", "in_transit", "received"),
    "close": ("refunded", "exchanged", "credited"),
}


def _label(status: str | None) -> str:
    return (status or "all").replace("_", " ")


class ReturnsScreen(PagedQueueScreen):
    """The owner's returns."""

    HELP = """\
**Returns** — the customers' returns, newest first, open ones to begin with (`f` and `F`
step through the statuses).

`a` approves (the customer is told how to send it back), `j` rejects with a reason they
will see, `v` marks it received, then `m` refunds (amount and method), `e` records an
exchange or `c` store credit; `l` closes a resolved return. Every step tells the customer
through the normal messages. `Enter` opens the order. More rows load as you scroll.
"""

    WORK = ("Loading the returns", "Loading more returns", "Updating the returns")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_order", "Open", id="returns.open", priority=True),
        Binding("a", "approve", "Approve", id="returns.approve"),
        Binding("j", "reject", "Reject", id="returns.reject"),
        Binding("v", "receive", "Received", id="returns.receive"),
        Binding("m", "refund", "Refund", id="returns.refund"),
        Binding("e", "exchange", "Exchange", id="returns.exchange"),
        Binding("c", "credit", "Credit", id="returns.credit"),
        Binding("l", "close", "Close", id="returns.close"),
        Binding("f", "next_filter", "Filter", id="returns.filter"),
        Binding("F", "previous_filter", "Previous filter", id="returns.filter_back", show=False),
        Binding("g", "reload", "Reload", id="returns.reload", show=False),
    ]

    @dataclass
    class Detail(Message):
        view: ReturnView

    def __init__(self) -> None:
        super().__init__()
        self.filter: str | None = "open"
        self.view: ReturnView | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine("Returns", id="status")
        yield KeyedTable(
            [
                ("created", "Asked"),
                ("rma", "Return"),
                ("order", "Order"),
                ("customer", "Customer"),
                ("status", "Status"),
                ("wants", "Wants"),
                ("qty", "Items"),
            ],
            sort_column="created",
            reverse=True,
            id="returns",
        )
        yield DetailPane(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.table.focus()
        self.load()

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#returns", KeyedTable)

    # --- loading -------------------------------------------------------------------------

    async def fetch_page(self, after: object | None) -> tuple[tuple[ReturnRow, ...], str | None]:
        from shopdesk.services.returns import list_returns

        page = await list_returns(
            self.filter, limit=PAGE, after=None if after is None else str(after)
        )
        return page.rows, page.next_cursor

    async def fetch_counts(self) -> dict[str, int]:
        from shopdesk.services.returns import count_returns

        return await count_returns()

    async def fetch_for_orders(self, order_ids: list[int]) -> tuple[ReturnRow, ...]:
        from shopdesk.services.returns import return_rows_for_orders

        return await return_rows_for_orders(order_ids)

    def reload(self) -> None:
        self.load()

    def wanted(self, row: ReturnRow) -> bool:
        after = self.paging.after
        if after is not None and row.id < int(str(after)):
            return False  # older than the pages loaded: it shows when its page does
        if self.filter == "open":
            from shopdesk.services.returns import OPEN

            return row.status in OPEN
        return self.filter is None or row.status == self.filter

    def cells(self, row: ReturnRow) -> dict[str, object]:
        return {
            "created": local(row.created_at, self.settings.zone),
            "rma": row.rma,
            "order": row.order_number,
            "customer": row.customer_name,
            "status": row.status.replace("_", " "),
            "wants": row.resolution.replace("_", " "),
            "qty": row.quantity,
        }

    def _show_status(self) -> None:
        from shopdesk.services.returns import OPEN

        waiting = sum(self.counts.get(s, 0) for s in OPEN)
        more = "+" if self.paging.after is not None else ""
        self.query_one("#status", StatusLine).update(
            f"Returns — {_label(self.filter)}: {len(self.rows)}{more} shown · {waiting} open · "
            f"{self.counts.get('requested', 0)} to approve · "
            f"{self.counts.get('received', 0)} back (f: filter)"
        )

    @guarded_work("Loading the return", group="returns-detail")
    async def show_detail(self) -> None:
        from shopdesk.services.returns import get_return

        row = self.current
        if row is None:
            self.query_one("#detail", DetailPane).update(
                "No returns here. f shows the other statuses."
            )
            self.view = None
            self.refresh_bindings()
            return
        self.post_message(self.Detail(await get_return(row.id)))

    def on_returns_screen_detail(self, message: Detail) -> None:
        view = message.view
        if self.current is None or self.current.id != view.id:
            return
        self.view = view
        self.refresh_bindings()
        zone = self.settings.zone
        items = ", ".join(f"{qty} × {escape(title)}" for title, qty in view.items)
        lines = [
            f"[b]{view.rma}[/b] · order {escape(view.order_number)} · "
            f"{view.status.replace('_', ' ')} · wants {view.resolution.replace('_', ' ')} · "
            f"worth {format_money(view.value_minor, view.currency)}",
            f"Items: {items}",
            f"Reason: {escape(view.reason)}",
        ]
        if view.rejection_reason:
            lines.append(f"Rejected: {escape(view.rejection_reason)}")
        if view.tracking_number:
            lines.append(
                f"Parcel back: {escape(view.carrier or '')} {view.tracking_number}"
                + (f" ({view.milestone.replace('_', ' ')})" if view.milestone else "")
            )
        if view.send_by:
            lines.append(f"Send by: {view.send_by:%Y-%m-%d}")
        if view.refund_minor is not None:
            lines.append(
                f"Refunded {format_money(view.refund_minor, view.currency)} by "
                f"{view.refund_method.replace('_', ' ')}"
            )
        if view.resolution_note:
            lines.append(f"Note: {escape(view.resolution_note)}")
        lines.append(
            " → ".join(
                f"{status.replace('_', ' ')} {local(at, zone, '%d %b')}"
                for at, status in view.timeline
            )
        )
        self.query_one("#detail", DetailPane).update("\n".join(lines))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_order":
            return self.current is not None and bool(self.current.order_number)
        if action in ALLOWED:
            row = self.current
            return row is not None and row.status in ALLOWED[action]
        return True

    # --- actions ------------------------------------------------------------------------

    def _row(self, action: str) -> ReturnRow | None:
        row = self.current
        if row is None:
            return None
        if row.status not in ALLOWED[action]:
            self.notify(
                f"Return {row.rma} is {row.status.replace('_', ' ')}: it cannot be {action}d now.",
                severity="warning",
            )
            return None
        return row

    def action_next_filter(self) -> None:
        self._filter_step(1)

    def action_previous_filter(self) -> None:
        self._filter_step(-1)

    def _filter_step(self, step: int) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + step) % len(FILTERS)]
        self.load()

    def action_reload(self) -> None:
        self.load()

    def action_approve(self) -> None:
        if row := self._row("approve"):
            from shopdesk.services.returns import approve

            self.run_job(
                "approve",
                lambda: approve(row.id),
                f"{row.rma} approved; the customer is told how to send it.",
            )

    def action_reject(self) -> None:
        if not (row := self._row("reject")):
            return

        def save(reason: str) -> None:
            from shopdesk.services.returns import reject

            self.run_job(
                "reject",
                lambda: reject(row.id, reason),
                f"{row.rma} rejected; the customer is told why.",
            )

        self.ask(
            TextDialog(f"Reject {row.rma}", "Reason the customer will see:", max_length=500), save
        )

    def action_receive(self) -> None:
        if row := self._row("receive"):
            from shopdesk.services.returns import mark_received

            self.run_job(
                "receive",
                lambda: mark_received(row.id),
                f"{row.rma} received; now refund, exchange or credit it.",
            )

    def _money_dialog(self, action: str, credit: bool) -> None:
        if not (row := self._row(action)) or self.view is None or self.view.id != row.id:
            return
        view = self.view

        def save(value: tuple[int, str]) -> None:
            from shopdesk.services.returns import credit as give_credit
            from shopdesk.services.returns import refund

            amount, method = value
            money = format_money(amount, view.currency)
            if credit:
                self.run_job(
                    action,
                    lambda: give_credit(row.id, amount),
                    f"{money} store credit recorded for {row.rma}.",
                )
            else:
                self.run_job(
                    action,
                    lambda: refund(row.id, amount, method),
                    f"{money} refund recorded for {row.rma}; the customer is told.",
                )

        self.ask(RefundDialog(view.rma, view.value_minor, view.currency, credit=credit), save)

    def action_refund(self) -> None:
        self._money_dialog("refund", credit=False)

    def action_credit(self) -> None:
        self._money_dialog("credit", credit=True)

    def action_exchange(self) -> None:
        if not (row := self._row("exchange")):
            return

        def save(note: str) -> None:
            from shopdesk.services.returns import exchange

            self.run_job(
                "exchange",
                lambda: exchange(row.id, note),
                f"Exchange recorded for {row.rma}; the customer is told.",
            )

        self.ask(
            TextDialog(
                f"Exchange for {row.rma}",
                "What was sent (the customer sees it):",
                required=False,
                max_length=500,
            ),
            save,
        )

    def action_close(self) -> None:
        if row := self._row("close"):
            from shopdesk.services.returns import close

            self.run_job("close", lambda: close(row.id), f"{row.rma} closed.")
