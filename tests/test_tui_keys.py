"""Every action key in the TUI has an id the owner can remap, and tui/keys.py knows them all."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import replace

import pytest
from textual.binding import Binding
from textual.dom import DOMNode

import tui
from shopdesk.config import Settings
from shopdesk.errors import ConfigError
from tests.conftest import REPO
from tests.tui_shop import NOW, seed_shop
from tui.app import make_tui
from tui.keys import KNOWN_IDS, check_keymap
from tui.screens.returns import ReturnsScreen


def tui_bindings() -> list[tuple[str, object]]:
    """(class name, binding) for every binding declared by a class in the tui package."""
    found = []
    for info in pkgutil.walk_packages(tui.__path__, "tui."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, DOMNode):
                continue
            for binding in cls.__dict__.get("BINDINGS", []):
                found.append((f"{module.__name__}.{name}", binding))
    return found


def test_every_binding_has_a_known_id():
    bindings = tui_bindings()
    assert len(bindings) > 40  # the walk found the screens, not nothing
    without = [(owner, b) for owner, b in bindings if not isinstance(b, Binding) or b.id is None]
    assert without == []
    ids = [b.id for _, b in bindings]
    assert len(ids) == len(set(ids)), "two bindings share an id"
    assert set(ids) == KNOWN_IDS


def test_the_readme_lists_every_id():
    readme = (REPO / "README.md").read_text()
    listed = readme[readme.index("Binding ids (all in") :]
    listed = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", listed[: listed.index("\n## ")]))
    assert listed == set(KNOWN_IDS)


def test_unknown_ids_are_refused_with_the_list():
    with pytest.raises(ConfigError, match=r"no action 'returns\.aprove'.*returns\.approve"):
        check_keymap({"returns.aprove": "A"})
    with pytest.raises(ConfigError, match=r"no action 'exceptions\.nope'"):
        make_tui(Settings(tui_keys={"exceptions.nope": "f"}))
    # Ids that are not shopdesk's (Textual's own widgets) pass through.
    assert check_keymap({"returns.approve": "A", "command_palette": "f2"}) == {
        "returns.approve": "A",
        "command_palette": "f2",
    }


async def test_a_remapped_key_on_a_queue_screen(db: Settings):
    await seed_shop()
    app = make_tui(
        replace(db, tui_keys={"returns.filter": "ctrl+f", "app.returns": "f3"}),
        now=NOW,
        live_interval=0,
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("r")  # no longer the Returns key
        await pilot.pause()
        assert not isinstance(app.screen, ReturnsScreen)
        await pilot.press("f3")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReturnsScreen) and screen.filter == "open"
        await pilot.press("f")  # the old key does nothing now
        assert screen.filter == "open"
        await pilot.press("ctrl+f")
        assert screen.filter is None
