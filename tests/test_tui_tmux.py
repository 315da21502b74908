"""`shopdesk tui` in a real terminal (tmux) on a seeded shop, typed at like a person; and
another process recording an event while it runs, which shows up without a key press."""

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

    def wait_for(self, pattern: str, timeout: float = 30) -> str:
        """The screen once ``pattern`` (a regex) is on it; fails with the screen otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if re.search(pattern, text):
                return text
            if time.monotonic() > deadline:
                pytest.fail(f"{pattern!r} did not appear; the screen shows:\n{text}")
            time.sleep(0.1)

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
        # Like a person, look before typing: keys sent while Textual is still asking the
        # terminal about its capabilities can be lost.
        time.sleep(1)
        term.keys("/")
        term.keys("1038", literal=True)
        term.wait_for(r"\b1 order shown")
        term.keys("Enter")  # leave the search box
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
        term.wait_for(r"Springfield depot", timeout=10)
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
        time.sleep(1)  # see test above: let Textual finish asking the terminal
        term.keys("C-q")
        term.wait_for(r"EXITED=0")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            pytest.fail("the portal is still up after the TUI quit")
        except OSError:
            pass
    finally:
        term.close()
