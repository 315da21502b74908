"""Dashboard: the shop today at a glance."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Label, Sparkline, Static

from shopdesk.errors import ShopdeskError
from shopdesk.services.stats import DashboardView, dashboard
from tui.commands import PaletteCommand
from tui.messages import DataChanged
from tui.workers import guarded_work

TILES = (
    ("to_ship", "To ship"),
    ("in_transit", "In transit"),
    ("out_for_delivery", "Out for delivery"),
    ("delivered_today", "Delivered today"),
    ("attention", "Need attention"),
    ("notifications_sent_today", "Messages sent today"),
    ("notifications_failed", "Messages failed"),
    ("notifications_queued", "Messages queued"),
)


class DashboardScreen(Screen):
    """Today at a glance."""

    HELP = """\
**Dashboard** — the shop today: orders to ship, parcels on their way, what needs you, and
how customer messages went. The sparklines show orders placed and orders delivered per day
over the last 30 days. Figures update by themselves when anything changes.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "refresh", "Refresh", id="dashboard.refresh", show=False)
    ]
    view: DashboardView | None = None  # the figures shown

    def compose(self) -> ComposeResult:
        yield Static("Dashboard", id="title", classes="screen-title")
        with Grid(id="tiles"):
            for name, label in TILES:
                with Vertical(classes="tile", id=f"tile-{name}"):
                    yield Static("…", classes="figure")
                    yield Label(label)
        yield Static("Orders per day, last 30 days", classes="spark-label", id="orders-label")
        yield Sparkline([], id="orders-spark")
        yield Static(
            "Deliveries per day, last 30 days", classes="spark-label", id="deliveries-label"
        )
        yield Sparkline([], id="deliveries-spark")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @on(DataChanged)
    def data_changed(self) -> None:
        self.load()

    def action_refresh(self) -> None:
        self.load()

    @guarded_work("Counting the dashboard", group="dashboard")
    async def load(self) -> None:
        tiles = self.query_one("#tiles")
        tiles.loading = self.view is None  # only the first time: later, keep the figures
        try:
            view = await dashboard(self.app.settings, now=self.app.now())
        except ShopdeskError as exc:
            self.notify(str(exc), title="Dashboard", severity="error")
            return
        finally:
            tiles.loading = False
        self.view = view
        self.show(view)

    def show(self, view: DashboardView) -> None:
        for name, _ in TILES:
            value = getattr(view, name)
            tile = self.query_one(f"#tile-{name}")
            tile.query_one(".figure", Static).update(f"{value:,}")
            tile.set_class(name in ("attention", "notifications_failed") and value > 0, "alarm")
        self.query_one("#orders-spark", Sparkline).data = list(view.orders_per_day)
        self.query_one("#deliveries-spark", Sparkline).data = list(view.deliveries_per_day)
        self.query_one("#orders-label", Static).update(
            f"Orders per day, last 30 days: {sum(view.orders_per_day):,} "
            f"(today {view.orders_per_day[-1]:,})"
        )
        self.query_one("#deliveries-label", Static).update(
            f"Deliveries per day, last 30 days: {sum(view.deliveries_per_day):,} "
            f"(today {view.deliveries_per_day[-1]:,})"
        )

    def palette_commands(self) -> list[PaletteCommand]:
        return [("Dashboard: refresh", "Count everything again", self.action_refresh)]
