"""What the owner can do to an order: each action asks in a dialog, then calls a service in a
worker on the app's loop (the ORM never leaves it) and says what happened."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from shopdesk.errors import ShopdeskError
from shopdesk.services import orders, shipments
from shopdesk.services.common import utcnow
from tui.dialogs.forms import CancelForm, MilestoneForm, ShipmentForm
from tui.workers import guarded_work

if TYPE_CHECKING:
    from tui.screens.order import OrderDetail


class OrderActions(Screen):
    """The order screen's actions; it provides ``number``, ``detail`` and ``load()``."""

    number: str
    detail: OrderDetail | None

    def load(self) -> object:
        raise NotImplementedError

    # -- dialogs -----------------------------------------------------------------------------

    def action_ship(self) -> None:
        from tui.dialogs.shipment import ShipmentDialog

        self.app.push_screen(ShipmentDialog(self.number), self.add_shipment)

    def action_milestone(self) -> None:
        from tui.dialogs.milestone import MilestoneDialog

        if self.detail is None:
            return
        parcels = [s.tracking_number for s in self.detail.order.shipments]
        if not parcels:
            self.notify(
                "This order has no parcel yet: press a to add one first.", severity="warning"
            )
            return
        self.app.push_screen(MilestoneDialog(parcels), self.record_milestone)

    def action_note(self) -> None:
        from tui.dialogs.note import NoteDialog

        self.app.push_screen(NoteDialog(self.number), self.add_note)

    def action_cancel_order(self) -> None:
        from tui.dialogs.cancel import CancelDialog

        self.app.push_screen(CancelDialog(self.number), self.cancel)

    def action_message(self) -> None:
        from tui.dialogs.message import MessageDialog

        if self.detail is not None:
            self.app.push_screen(MessageDialog(self.number, self.detail.messages))

    def action_copy_link(self) -> None:
        if self.detail is None:
            return
        url = self.detail.order.tracking_url
        self.app.copy_to_clipboard(url)
        self.notify(url, title="Tracking link copied", timeout=8)

    # -- workers -----------------------------------------------------------------------------

    async def _do(self, what: str, call: Any, done: str) -> bool:
        try:
            await call
        except ShopdeskError as exc:
            self.notify(str(exc), title=f"Could not {what}", severity="error", timeout=10)
            return False
        self.notify(done, title=f"Order {self.number}")
        self.load()
        return True

    @guarded_work("Adding the parcel", group="order-write", exclusive=False)
    async def add_shipment(self, form: ShipmentForm | None) -> None:
        if form is None:
            return
        await self._do(
            "add the parcel",
            shipments.add_shipment(
                self.number, form.tracking_number, carrier=form.carrier, service=form.service
            ),
            f"Parcel {form.tracking_number} ({form.carrier}) added.",
        )

    @guarded_work("Recording the milestone", group="order-write", exclusive=False)
    async def record_milestone(self, form: MilestoneForm | None) -> None:
        if form is None:
            return
        recorded = shipments.record_event(
            shipments.NewEvent(
                tracking_number=form.tracking_number,
                order_number=self.number,
                occurred_at=utcnow(),
                milestone=form.milestone,
                reason=form.reason,
                description=form.description,
                source="manual",
            )
        )
        await self._do(
            "record the milestone",
            recorded,
            f"{form.milestone.replace('_', ' ')} recorded for {form.tracking_number}.",
        )

    @guarded_work("Adding the note", group="order-write", exclusive=False)
    async def add_note(self, body: str | None) -> None:
        if body:
            await self._do("add the note", orders.add_note(self.number, body), "Note added.")

    @guarded_work("Cancelling the order", group="order-write", exclusive=False)
    async def cancel(self, form: CancelForm | None) -> None:
        if form is not None:
            await self._do(
                "cancel the order",
                orders.cancel_order(self.number, form.reason),
                "Order cancelled.",
            )

    @guarded_work("Writing the packing slip", group="order-slip")
    async def action_slip(self) -> None:
        from shopdesk.slips import write_slips

        settings = self.app.settings
        self.notify("Writing the packing slip…", timeout=2)
        try:
            html = await write_slips(settings, [self.number])
            path = Path(settings.data_dir) / "slips" / f"slip-{self.number}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(html, encoding="utf-8")
        except (ShopdeskError, OSError) as exc:
            self.notify(
                f"{exc}. Check that the data directory is writable.",
                title="Could not write the slip",
                severity="error",
                timeout=10,
            )
            return
        self.last_slip = path
        self.notify(
            f"{path}\nOpen it in a browser and print.", title="Packing slip written", timeout=15
        )
