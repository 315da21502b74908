"""Ctrl+P offers the current screen's keys as commands (those that apply to the row under the
cursor), and help lists only shopdesk's own keys for the screen."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.command import CommandList, CommandPalette

from shopdesk.models import Return
from tests.queue_seed import BASE
from tests.tui_host import settle
from tui.app import make_tui
from tui.commands import binding_commands
from tui.help import HelpScreen
from tui.screens.returns import ReturnsScreen

pytestmark = pytest.mark.queue_shop  # queue_seed.py's settings; queue_shop seeds it


def names(screen) -> list[str]:
    return [name for name, _, _ in binding_commands(screen)]


async def on_row(pilot, screen: ReturnsScreen, status: str) -> str:
    key = next(k for k, r in screen.rows.items() if r.status == status)
    screen.table.move_cursor(row=screen.table.get_row_index(key))
    await settle(pilot)
    return key


async def test_the_palette_runs_this_screens_actions(queue_shop, settings):
    app = make_tui(settings, now=BASE, live_interval=0, start="returns")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReturnsScreen)
        key = await on_row(pilot, screen, "requested")
        offered = names(screen)
        # What applies to a requested return, not what does not (refund, close).
        assert {"Returns: Approve", "Returns: Reject", "Returns: Open"} <= set(offered)
        assert not {"Returns: Refund", "Returns: Close"} & set(offered)
        assert "Returns: Reload" in offered  # hidden from the footer, still a command
        await on_row(pilot, screen, "received")
        assert "Returns: Refund" in names(screen) and "Returns: Approve" not in names(screen)

        # Through the real palette: type, wait for the hit, run it.
        await on_row(pilot, screen, "requested")
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"approve")
        results = app.screen.query_one(CommandList)
        for _ in range(200):  # the palette searches in a worker: wait for its answer
            if results.option_count and "Approve" in str(results.get_option_at_index(0).prompt):
                break
            await pilot.pause(0.02)
        assert "Returns: Approve" in str(results.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert (await Return.get(id=int(key))).status == "approved"


async def test_help_lists_only_our_keys_for_this_screen(queue_shop, settings):
    app = make_tui(settings, now=BASE, live_interval=0, start="returns")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await on_row(pilot, app.screen, "requested")
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=200, file=io.StringIO(), record=True)
        console.print(app.screen.query_one("#help-keys").content)
        keys = console.export_text()
        assert "Approve" in keys and "Previous filter" in keys and "Help" in keys, keys
        assert "Refund" not in keys  # does not apply to a requested return
        # Not the table's cursor keys, nor Textual's own app keys, nor another screen's.
        for other in ("Cursor", "Scroll", "palette", "Add parcel", "Retry"):
            assert other not in keys


async def test_the_palette_lists_this_screen_first_then_sections_then_textuals(
    queue_shop, settings
):
    """One fixed order on every start (with several providers Textual's order was by chance)."""
    app = make_tui(settings, now=BASE, live_interval=0, start="returns")
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        results = app.screen.query_one(CommandList)
        prompts = [
            str(results.get_option_at_index(i).prompt).split("\n")[0]
            for i in range(results.option_count)
        ]
        kinds = [
            "screen"
            if p.startswith("Returns: ")
            else "section"
            if p.startswith("Go to ")
            else "textual"
            for p in prompts
        ]
        assert kinds == sorted(kinds, key=["screen", "section", "textual"].index), prompts
        assert {"screen", "section", "textual"} == set(kinds)
        assert "Quit" in prompts and prompts.index("Go to Dashboard") == kinds.index("section")
