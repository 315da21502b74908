"""Headless Chromium from the command line, for tests that need a real browser.

Locally, tests that need Chromium (Debian: ``apt-get install chromium``) or another program are
skipped, with the reason, when it is missing; with ``CI=true`` they fail instead, so CI cannot
pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

TIMEOUT = 90.0
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--no-default-browser-check",
    "--force-device-scale-factor=1",
)
APT = {"chromium": "chromium", "zbarimg": "zbar-tools"}


def chromium_path() -> str | None:
    """The Chromium executable: ``$CHROMIUM``, else ``chromium`` (or its other names) on PATH."""
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (found := shutil.which(name)):
            return found
    return None


def have_chromium() -> bool:
    """Whether headless Chromium is available."""
    return chromium_path() is not None


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require(*programs: str) -> None:
    """Skip the test (fail it when ``CI=true``) unless every program is installed."""
    missing = [
        p for p in programs if (chromium_path() if p == "chromium" else shutil.which(p)) is None
    ]
    if not missing:
        return
    packages = " ".join(APT.get(p, p) for p in missing)
    reason = f"{', '.join(missing)} not installed (Debian: apt-get install -y {packages})"
    if in_ci():
        pytest.fail(f"CI=true: {reason}; CI must run this test, not skip it")
    pytest.skip(reason)


def as_url(url_or_file: str | os.PathLike[str]) -> str:
    """A URL as it is, or a local file as a ``file://`` URL."""
    text = os.fspath(url_or_file)
    if "://" in text or text.startswith(("data:", "about:")):
        return text
    return Path(text).resolve().as_uri()


def screenshot(
    url_or_file: str | os.PathLike[str],
    path: str | os.PathLike[str],
    width: int = 1280,
    height: int = 1024,
) -> Path:
    """Render a page in a window ``width`` by ``height`` pixels and save it as a PNG at ``path``."""
    out = Path(path).resolve()
    _run("--screenshot=" + str(out), f"--window-size={width},{height}", as_url(url_or_file))
    if not out.exists():
        raise RuntimeError(f"chromium wrote no screenshot at {out}")
    return out


def print_pdf(url_or_file: str | os.PathLike[str], path: str | os.PathLike[str]) -> Path:
    """Print a page to PDF as a browser would (the page's ``@page`` size, no header/footer)."""
    out = Path(path).resolve()
    _run("--print-to-pdf=" + str(out), "--no-pdf-header-footer", as_url(url_or_file))
    if not out.exists():
        raise RuntimeError(f"chromium wrote no PDF at {out}")
    return out


def dump_dom(url_or_file: str | os.PathLike[str]) -> str:
    """The page's DOM after it loaded (scripts run), serialised as HTML."""
    return _run("--dump-dom", as_url(url_or_file))


def _run(*args: str) -> str:
    executable = chromium_path()
    if executable is None:
        raise RuntimeError("chromium is not installed")
    with tempfile.TemporaryDirectory(prefix="shopdesk-chromium-") as profile:
        command = [executable, *FLAGS, f"--user-data-dir={profile}", *args]
        # A session of its own, so a hung browser and its helpers can be ended together.
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, "HOME": profile},
        )
        try:
            out, err = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise RuntimeError(f"chromium did not finish in {TIMEOUT:.0f}s: {command}") from None
        if process.returncode != 0:
            raise RuntimeError(f"chromium failed ({process.returncode}): {err.strip()[-2000:]}")
        return out
