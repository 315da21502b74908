"""``tui``: the owner's TUI on shops of 1,000 and 100,000 orders.

* first screen: from launching ``shopdesk tui`` in a real terminal (tmux, 80x24) to the order
  list showing the newest order, polled with ``tmux capture-pane``; baseline: an empty
  Textual app launched the same way, to its first screen.
* search keystroke: typing a search one key at a time, 150 ms apart (in-process, headless),
  from the key event to the table holding that query's results (the 10 ms debounce included).
* peak memory: the TUI process's peak RSS (VmHWM) after its first screen and a search;
  baseline: the empty Textual app's.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.shop import build_shop, temp_settings
from shopdesk.db import close_db, init_db

SHOPDESK = Path(sys.executable).parent / "shopdesk"
EMPTY_APP = (
    "from textual.app import App\n"
    "from textual.widgets import Static\n"
    "class Empty(App):\n"
    "    def compose(self):\n"
    "        yield Static('READY')\n"
    "Empty().run()\n"
)
_LAUNCHES = itertools.count()
TERMS = ("customer77", "jansen", "bench0000031337", "1042")


def _tmux(sock: str, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["tmux", "-L", sock, *args], capture_output=True, text=True, check=True, env=env
    ).stdout


def first_screen(command: str, marker: str, env: dict[str, str]) -> tuple[float, int]:
    """Seconds from launch until ``marker`` is on screen, and the process's peak RSS (KiB)
    after it has also searched for a name."""
    sock = f"shopdesk-bench-{os.getpid()}-{next(_LAUNCHES)}"  # a fresh tmux server each time
    began = time.perf_counter()
    _tmux(
        sock,
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "b",
        "-x",
        "80",
        "-y",
        "24",
        f"exec {command}",
        env=env,
    )
    try:
        while marker not in _tmux(sock, "capture-pane", "-p", "-t", "b"):
            if time.perf_counter() - began > 60:
                raise RuntimeError(f"{marker!r} never appeared running {command}")
            time.sleep(0.005)
        elapsed = time.perf_counter() - began
        pid = _tmux(sock, "display-message", "-p", "-t", "b", "#{pane_pid}").strip()
        _tmux(sock, "send-keys", "-t", "b", "/")
        _tmux(sock, "send-keys", "-t", "b", "-l", "jansen")
        time.sleep(1.0)  # let the search run before reading the peak
        return elapsed, _peak_rss_kib(int(pid))
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/PID/status")


async def keystrokes(settings, terms: tuple[str, ...]) -> list[float]:
    """Seconds from each key press to the table showing that query's results."""
    from textual import events

    from tui.app import make_tui

    await init_db(settings, migrate=False)
    app = make_tui(settings, live_interval=0)
    times: list[float] = []
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            screen = app.screen
            for term in terms:
                await pilot.press("slash")
                for key in term:
                    # The key goes in as the terminal would send it (Pilot's own waits after
                    # a press would be measured otherwise); done when the table holds the
                    # results of the query this key started.
                    before = screen.generation
                    began = time.perf_counter()
                    app.post_message(events.Key(key, key))
                    while (
                        screen.generation == before or screen.shown_generation != screen.generation
                    ):
                        await asyncio.sleep(0.001)
                    times.append(time.perf_counter() - began)
                    await pilot.pause(0.15)  # a person's pace between keys
                await pilot.press("escape")
                await app.workers.wait_for_complete()
    finally:
        await close_db()
    return times


async def run(quick: bool = False) -> dict:
    if shutil.which("tmux") is None:
        raise SystemExit("the tui bench needs tmux (apt-get install tmux)")
    sizes = (1_000, 10_000) if quick else (1_000, 100_000)
    repeats = 2 if quick else 3
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")}
    env["TERM"] = "xterm-256color"

    empty = [
        first_screen(f"{sys.executable} -c {_quote(EMPTY_APP)}", "READY", env)
        for _ in range(repeats)
    ]
    base_time = statistics.median(t for t, _ in empty)
    base_rss = max(r for _, r in empty) / 1024
    figures = {
        "empty Textual app: first screen (baseline)": {
            "value": base_time * 1000,
            "unit": "ms",
            "ratio": 1.0,
        },
        "empty Textual app: peak RSS (baseline)": {"value": base_rss, "unit": "MB", "ratio": 1.0},
    }
    for orders in sizes:
        settings = temp_settings("tui")
        await init_db(settings)
        await build_shop(orders)
        await close_db()
        env["SHOPDESK_DATA_DIR"] = str(settings.data_dir)
        newest = str(100000 + orders - 1)
        runs = [first_screen(str(SHOPDESK) + " tui", newest, {**env}) for _ in range(repeats)]
        took = statistics.median(t for t, _ in runs)
        rss = max(r for _, r in runs) / 1024
        keys = await keystrokes(settings, TERMS)
        shutil.rmtree(settings.data_dir, ignore_errors=True)
        label = f"{orders:,} orders"
        figures[f"{label}: first screen"] = {
            "value": took * 1000,
            "unit": "ms",
            "ratio": took / base_time,
        }
        figures[f"{label}: search keystroke (median)"] = {
            "value": statistics.median(keys) * 1000,
            "unit": "ms",
            "ratio": None,
        }
        figures[f"{label}: search keystroke (worst)"] = {
            "value": max(keys) * 1000,
            "unit": "ms",
            "ratio": None,
        }
        figures[f"{label}: peak RSS"] = {"value": rss, "unit": "MB", "ratio": rss / base_rss}
    return {
        "benchmark": "tui",
        "description": f"shopdesk tui in tmux 80x24 on shops of {', '.join(map(str, sizes))} "
        f"orders; first screen median of {repeats} launches; "
        f"{sum(map(len, TERMS))} search keystrokes",
        "baseline": "an empty Textual app launched in the same terminal, same Python",
        "figures": figures,
    }


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
