"""`shopdesk tui` in a real terminal (tmux) on a seeded shop, typed at like a person; and
another process recording an event while it runs, which shows up without a key press.

Like a person, the test looks before each key: it waits for the screen to show the state the
key needs (never a fixed sleep), so keys are not lost on a busy machine. Keys sent while
Textual is still asking the terminal about itself can vanish, so the first keys are ones
that may safely be repeated (go to a section) until the screen shows them working."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import PG_URL, SHOPDESK

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("tmux") is None and not os.environ.get("CI"),
        reason="tmux is not installed (CI installs it)",
    ),
]
TRACKING = "1Z999AA10123456784"
TIMEOUT = 90  # seconds: generous, for a machine shared with other test runs


class Terminal:
    """One tmux server of our own (its own socket), one window of a given size."""

    def __init__(self, tmp_path: Path, env: dict[str, str], size: tuple[int, int]) -> None:
        self.socket = f"shopdesk-test-{os.getpid()}-{size[0]}"
        self.env = env
        self.size = size

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=30,
            check=True,
        )
        return done.stdout

    def start(self, command: str) -> None:
        width, height = self.size
        self.tmux(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            str(width),
            "-y",
            str(height),
            command,
        )
        self.tmux("set-option", "-s", "escape-time", "0")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "t", *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t")

    def styled_line(self, index: int) -> str:
        """One line of the screen with its colours (escape sequences) as tmux has them."""
        return self.tmux("capture-pane", "-p", "-e", "-t", "t", "-S", str(index), "-E", str(index))

    def wait_for(self, pattern: str, timeout: float = TIMEOUT) -> str:
        """The screen once ``pattern`` (a regex) is on it; fails with the screen otherwise."""
        return self.wait_until(
            lambda text: re.search(pattern, text) is not None, repr(pattern), timeout
        )

    def wait_until(self, shown, what: str, timeout: float = TIMEOUT) -> str:
        """The screen once ``shown(screen)`` is true; fails with the screen otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if shown(text):
                return text
            if time.monotonic() > deadline:
                pytest.fail(f"{what} did not appear; the screen shows:\n{text}")
            time.sleep(0.1)

    def repeat_until(self, key: str, pattern: str, timeout: float = TIMEOUT) -> str:
        """Press ``key`` (one whose repeating does no harm) until ``pattern`` shows."""
        deadline = time.monotonic() + timeout
        while True:
            self.keys(key)
            pause = time.monotonic() + 3
            while time.monotonic() < pause:
                text = self.screen()
                if re.search(pattern, text):
                    return text
                time.sleep(0.1)
            if time.monotonic() > deadline:
                pytest.fail(f"{key} never showed {pattern!r}; the screen shows:\n{text}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_owner_opens_an_order_adds_a_parcel_and_sees_another_process(cli, tmp_path, size):
    assert cli("demo", "--seed-only", "--orders", "40").code == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")}
    env.update(
        SHOPDESK_DATA_DIR=str(cli.data_dir),
        TERM="xterm-256color",
        XDG_CACHE_HOME=str(tmp_path / "home" / "cache"),
        XDG_CONFIG_HOME=str(tmp_path / "home" / "config"),
    )
    if PG_URL:
        env["SHOPDESK_DATABASE_URL"] = PG_URL
    term = Terminal(tmp_path, env, size)
    term.start(f"{SHOPDESK} tui; echo EXITED=$?; sleep 60")
    try:
        term.wait_for(r"\b1040\b")  # the newest order, on the first screen
        term.wait_for(r"f Filter")
        # Keys get through once a section key has visibly worked.
        term.repeat_until("d", r"Orders per day")
        term.repeat_until("o", r"40 orders shown")
        # The search box's frame is drawn in another colour while it has the focus.
        box = next(i for i, line in enumerate(term.screen().splitlines()) if "Search" in line)
        blurred = term.styled_line(box - 1)
        term.keys("/")
        term.wait_until(lambda _: term.styled_line(box - 1) != blurred, "the focused search box")
        term.keys("1038", literal=True)
        term.wait_for(r"\b1 order shown")
        term.keys("Enter")  # leave the search box
        term.wait_until(lambda _: term.styled_line(box - 1) == blurred, "the list's focus")
        term.keys("Enter")  # open the order
        term.wait_for(r"Order 1038")
        term.keys("a")
        term.wait_for(r"Add a parcel to order 1038")
        term.keys(TRACKING, literal=True)
        term.wait_for(r"UPS")  # suggested from the number
        term.keys("Enter")
        screen = term.wait_for(rf"UPS {TRACKING}")
        assert "Parcel" in screen

        # Another process records a scan: it shows up here without a key press.
        done = subprocess.run(
            [
                str(SHOPDESK),
                "event",
                "1038",
                "--milestone",
                "out_for_delivery",
                "--tracking",
                TRACKING,
                "--location",
                "Springfield depot",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        term.wait_for(r"Springfield depot")
        term.wait_for(r"Out for delivery")

        term.keys("Escape")  # back to the list: the changed row is marked
        term.wait_for(r"●\s+1038")
        term.keys("C-q")
        term.wait_for(r"EXITED=0")
    finally:
        term.close()
    log = cli.data_dir / "shopdesk.log"
    assert log.exists() and "Traceback" not in log.read_text()


def test_run_serves_the_portal_beside_the_tui_and_stops_with_it(cli, tmp_path):
    import socket
    import urllib.request

    assert cli("demo", "--seed-only", "--orders", "5").code == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")}
    env.update(SHOPDESK_DATA_DIR=str(cli.data_dir), TERM="xterm-256color")
    if PG_URL:
        env["SHOPDESK_DATABASE_URL"] = PG_URL
    term = Terminal(tmp_path, env, (80, 24))
    term.start(f"{SHOPDESK} run --port {port}; echo EXITED=$?; sleep 60")
    try:
        term.wait_for(r"\b1005\b")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
            assert r.status == 200
        term.repeat_until("d", r"Orders per day")  # see above: keys get through now
        term.keys("C-q")
        term.wait_for(r"EXITED=0")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            pytest.fail("the portal is still up after the TUI quit")
        except OSError:
            pass
    finally:
        term.close()
