"""Enter on an Exceptions, Returns or Notifications row opens that row's order; Escape comes
back to the same row."""

from __future__ import annotations

import pytest

from tests.queue_seed import BASE
from tests.tui_host import settle
from tui.app import make_tui
from tui.screens.exceptions import ExceptionsScreen
from tui.screens.notifications import NotificationsScreen
from tui.screens.order import OrderScreen
from tui.screens.returns import ReturnsScreen

pytestmark = pytest.mark.queue_shop  # queue_seed.py's settings; queue_shop seeds it


async def enter_opens(pilot, screen, key: str, number: str) -> None:
    screen.table.move_cursor(row=screen.table.get_row_index(key))
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    detail = pilot.app.screen
    assert isinstance(detail, OrderScreen) and detail.number == number
    assert detail.detail is not None and detail.detail.order.number == number
    await pilot.press("escape")
    await settle(pilot)
    assert pilot.app.screen is screen
    assert screen.table.current_key == key


@pytest.mark.parametrize(
    ("start", "kind"),
    [
        ("exceptions", ExceptionsScreen),
        ("returns", ReturnsScreen),
        ("notifications", NotificationsScreen),
    ],
)
async def test_enter_opens_the_rows_order(queue_shop, settings, start, kind):
    app = make_tui(settings, now=BASE, live_interval=0, start=start)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, kind)
        rows = screen.items if start == "exceptions" else screen.rows
        with_order = [(k, r.order_number) for k, r in rows.items() if r.order_number]
        assert len({number for _, number in with_order}) >= 2
        # The last row and then the first: the detail shows the row's own order each time.
        for key, number in (with_order[-1], with_order[0]):
            await enter_opens(pilot, screen, key, number)


async def test_a_row_without_an_order_says_so(queue_shop, settings):
    app = make_tui(settings, now=BASE, live_interval=0, start="exceptions")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        [key] = [k for k, item in screen.items.items() if item.kind == "import_error"]
        screen.table.move_cursor(row=screen.table.get_row_index(key))
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert [n.message for n in app._notifications] == ["This row belongs to no order."]
