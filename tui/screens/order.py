"""One order: items, customer, parcels with their timelines, messages, returns, notes and the
tracking link, with the actions that change it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from shopdesk.errors import ShopdeskError
from shopdesk.services import queries
from shopdesk.services.order_messages import MessageRow, messages_for_order
from shopdesk.services.returns import ReturnView, returns_for_order
from shopdesk.views import OrderView
from tui import format as fmt
from tui.actions import OrderActions
from tui.commands import PaletteCommand
from tui.messages import DataChanged
from tui.workers import guarded_work


@dataclass(frozen=True, slots=True)
class OrderDetail:
    """Everything the screen shows, loaded together."""

    order: OrderView
    messages: tuple[MessageRow, ...]
    returns: tuple[ReturnView, ...]


class OrderScreen(OrderActions):
    """The order detail."""

    HELP = """\
**Order** — everything about one order. Parcels show their timeline, newest scan first.

`a` adds a parcel (the carrier is guessed from the tracking number; change it if wrong),
`m` records a milestone by hand, `e` adds a note, `c` cancels the order, `v` previews or
resends a customer message, `p` writes the packing slip, `l` copies the tracking link.
`Escape` goes back to the list.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", id="order.back"),
        Binding("a", "ship", "Add parcel", id="order.ship"),
        Binding("m", "milestone", "Milestone", id="order.milestone"),
        Binding("e", "note", "Note", id="order.note"),
        Binding("c", "cancel_order", "Cancel", id="order.cancel", show=False),
        Binding("v", "message", "Message", id="order.message", show=False),
        Binding("p", "slip", "Slip", id="order.slip", show=False),
        Binding("l", "copy_link", "Link", id="order.copy_link", show=False),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.order_id: int | None = None
        self.detail: OrderDetail | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"Order {self.number}", id="title", classes="screen-title")
        with VerticalScroll(id="order-body"):
            yield Static("Loading…", id="summary")
            yield Static("", id="shipments")
            yield Static("", id="items")
            yield Static("", id="messages")
            yield Static("", id="returns")
            yield Static("", id="notes")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#order-body").focus()
        self.load()

    @guarded_work("Loading the order", group="order-load")
    async def load(self) -> None:
        try:
            if self.order_id is None:
                self.order_id = await queries.order_id(self.number)
            order = await queries.order_view(self.app.settings, self.number)
            detail = OrderDetail(
                order, await messages_for_order(self.number), await returns_for_order(self.number)
            )
        except ShopdeskError as exc:
            self.notify(f"{exc}. Go back with Escape.", title="Order", severity="error")
            return
        self.detail = detail
        self.show(detail)

    @on(DataChanged)
    def data_changed(self, message: DataChanged) -> None:
        if self.order_id in message.order_ids:
            self.load()

    def show(self, detail: OrderDetail) -> None:
        zone = self.app.settings.zone
        o = detail.order
        title = Text.assemble(("Order ", "bold"), (o.number, "bold"), "  ", fmt.stage(o.stage))
        if o.attention:
            title.append(f"  needs attention: {o.attention}", style="bold red")
        self.query_one("#title", Static).update(title)
        summary = Table.grid(padding=(0, 2))
        summary.add_column(style="dim")
        summary.add_column()
        place = ", ".join(p for p in (o.ship_postcode, o.ship_city, o.ship_country) if p)
        for label, value in (
            ("Customer", o.customer_name or "(no name)"),
            ("Email", o.email or "—"),
            ("Phone", o.phone or "—"),
            ("Ships to", place or "—"),
            ("Placed", f"{fmt.when(o.placed_at, zone)} via {o.source}"),
            ("Total", fmt.money(o.total_minor, o.currency)),
            ("Tracking", o.tracking_url),
        ):
            summary.add_row(label, value)
        if o.cancelled_at:
            summary.add_row("Cancelled", fmt.when(o.cancelled_at, zone))
        self.query_one("#summary", Static).update(summary)
        self.query_one("#shipments", Static).update(self._shipments(o))
        self.query_one("#items", Static).update(self._items(o))
        self.query_one("#messages", Static).update(self._messages(detail.messages))
        self.query_one("#returns", Static).update(self._returns(detail.returns))
        notes = Text("Notes\n", style="bold")
        for n in o.notes:
            notes.append(f"{fmt.when(n.created_at, zone)}  {n.author}: ", style="dim")
            notes.append(f"{n.body}\n")
        if not o.notes:
            notes.append("none (e adds one)", style="dim")
        self.query_one("#notes", Static).update(notes)

    def _shipments(self, o: OrderView) -> Group | Text:
        if not o.shipments:
            return Text.assemble(("Parcels\n", "bold"), ("none yet (a adds one)", "dim"))
        zone = self.app.settings.zone
        parts: list[Text] = [Text("Parcels", style="bold")]
        for s in o.shipments:
            head = Text.assemble(
                (f"{s.carrier} {s.tracking_number}", "bold"),
                "  ",
                (fmt.milestone(s.milestone, s.reason), "bold cyan"),
            )
            if s.watch:
                head.append(f"  {s.watch}", style="bold red")
            if s.estimate:
                head.append(f"  expected {s.estimate[0]:%d %b}–{s.estimate[1]:%d %b}")
            parts.append(head)
            for e in s.events:
                line = Text(f"  {fmt.when(e.occurred_at, zone)}  ", style="dim")
                line.append(fmt.milestone(e.milestone, e.reason))
                detail = " · ".join(x for x in (e.description, e.location) if x)
                if detail:
                    line.append(f"  {detail}", style="dim")
                parts.append(line)
            if not s.events:
                parts.append(Text("  no scans yet", style="dim"))
        return Group(*parts)

    def _items(self, o: OrderView) -> Table:
        table = Table(
            title="Items",
            title_justify="left",
            title_style="bold",
            box=None,
            show_edge=False,
            padding=(0, 1),
        )
        table.add_column("Qty", justify="right")
        table.add_column("Item")
        table.add_column("SKU", style="dim")
        table.add_column("Price", justify="right")
        for i in o.items:
            table.add_row(
                str(i.quantity),
                i.title,
                i.sku,
                fmt.money(i.unit_price_minor * i.quantity, o.currency),
            )
        return table

    def _messages(self, rows: tuple[MessageRow, ...]) -> Text:
        text = Text("Messages to the customer\n", style="bold")
        zone = self.app.settings.zone
        for m in rows:
            text.append(f"{fmt.when(m.sent_at or m.due_at, zone)}  {m.kind} by {m.channel}: ")
            text.append(m.status, style="red" if m.status == "failed" else "")
            if m.last_error and m.status != "sent":
                text.append(f" ({m.last_error})", style="dim")
            text.append("\n")
        if not rows:
            text.append("none sent (v previews one)", style="dim")
        return text

    def _returns(self, rows: tuple[ReturnView, ...]) -> Text:
        text = Text("Returns\n", style="bold")
        zone = self.app.settings.zone
        for r in rows:
            text.append(f"{r.rma}  {r.status}  opened {fmt.when(r.created_at, zone)}\n")
        if not rows:
            text.append("none", style="dim")
        return text

    def action_back(self) -> None:
        self.app.pop_screen()

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            ("Order: add a parcel", "Add a tracking number to this order", self.action_ship),
            ("Order: record a milestone", "Record a scan by hand", self.action_milestone),
            ("Order: add a note", "Attach a note", self.action_note),
            ("Order: cancel", "Cancel this order", self.action_cancel_order),
            ("Order: preview or resend a message", "What the customer gets", self.action_message),
            ("Order: write the packing slip", "An HTML slip with a QR code", self.action_slip),
            (
                "Order: copy the tracking link",
                "The customer's tracking page",
                self.action_copy_link,
            ),
        ]
