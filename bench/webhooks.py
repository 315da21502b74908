"""``webhooks``: signed tracking webhooks per second into a real ``shopdesk serve`` on SQLite.

A ``shopdesk serve --no-worker`` process serves a shop of many parcels; ``wrk`` (1 thread,
:data:`CONNECTIONS` connections, a Lua script) posts pre-signed EasyPost ``tracker.updated``
deliveries, each carrying one new scan for one parcel (scans interleaved across parcels in
time order, every delivery a different event id). The figure is new tracking events recorded
per second, counted in the database, over the load plus the time the background ingest needs
to finish what was accepted. Each of :data:`ROUNDS` rounds runs on a fresh copy of the shop
and fails unless every stored delivery ended ``processed`` with exactly one new event (no
silent loss); the figures are the medians.

Baseline, same server, same run: the WooCommerce ping (``POST /hooks/woocommerce`` with a
form body ``webhook_id=1``), a real route that answers 200 and does nothing. Target:
>= 1,000 events/s.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median

from bench.ingest import STEPS
from bench.portal import free_port
from bench.shop import build_shop, temp_settings, tracking_number
from shopdesk.db import close_db, init_db

CONNECTIONS = 32
ROUNDS = 3
DRAIN_LIMIT = 300  # seconds the ingest may take to finish what it accepted
TARGET = 1000.0
SECRET = "bench-easypost-secret"
# EasyPost's status for each of STEPS
STATUSES = ("pre_transit",) + ("in_transit",) * 7 + ("out_for_delivery", "delivered")

LUA = r"""
local sigs, bodies, n, idx = {}, {}, 0, 0
local counter = 0
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args)
  for line in io.lines(args[1]) do
    local tab = line:find("\t", 1, true)
    n = n + 1; sigs[n] = line:sub(1, tab - 1); bodies[n] = line:sub(tab + 1)
  end
  idx = id
end
function request()
  local i = (idx % n) + 1
  idx = idx + 1
  return wrk.format("POST", args_path, {["Content-Type"] = args_ctype,
                                        ["X-Hmac-Signature"] = sigs[i]}, bodies[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, math.floor(latency:percentile(50)),
    math.floor(latency:percentile(99)), e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def deliveries(parcels: int) -> list[str]:
    """One line per delivery: signature TAB body, scans in time order across parcels."""
    start = datetime.now(UTC) - timedelta(days=20)
    lines = []
    for step, (text, status) in enumerate(zip(STEPS, STATUSES, strict=True)):
        for p in range(parcels):
            at = start + timedelta(hours=step * 7, seconds=p)
            body = json.dumps(
                {
                    "id": f"evt_{step}_{p}",
                    "object": "Event",
                    "description": "tracker.updated",
                    "result": {
                        "object": "Tracker",
                        "tracking_code": tracking_number(p),
                        "carrier": "DHL",
                        "status": status,
                        "tracking_details": [
                            {
                                "object": "TrackingDetail",
                                "message": text,
                                "status": status,
                                "datetime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                "tracking_location": {"city": "Hub", "country": "DE"},
                            }
                        ],
                    },
                },
                separators=(",", ":"),
            )
            signature = (
                "hmac-sha256-hex="
                + hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
            )
            lines.append(f"{signature}\t{body}")
    return lines


async def start_server(data_dir: Path, config: Path, port: int) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")}
    env.update(SHOPDESK_DATA_DIR=str(data_dir), SHOPDESK_CONFIG=str(config))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "shopdesk",
        "serve",
        "--no-worker",
        "--port",
        str(port),
        env=env,
        stderr=asyncio.subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        if proc.returncode is not None:
            raise RuntimeError(f"shopdesk serve exited with {proc.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return proc
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("shopdesk serve did not start") from None
            await asyncio.sleep(0.1)


async def load(port: int, script: Path, data: Path, path: str, ctype: str, seconds: float) -> dict:
    lua = (
        script.read_text()
        .replace("args_path", json.dumps(path))
        .replace("args_ctype", json.dumps(ctype))
    )
    run_script = script.with_name(f"run-{abs(hash(path))}.lua")
    run_script.write_text(lua)
    wrk = await asyncio.create_subprocess_exec(
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(run_script),
        f"http://127.0.0.1:{port}",
        "--",
        str(data),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await wrk.communicate()
    if wrk.returncode:
        raise RuntimeError(f"wrk failed: {err.decode()}")
    line = next(x for x in out.decode().splitlines() if x.startswith("BENCHJSON "))
    stats = json.loads(line.removeprefix("BENCHJSON "))
    errors = sum(stats[k] for k in ("connect", "read", "write", "status", "timeout"))
    if errors:
        raise RuntimeError(f"{path}: {errors} failed requests: {stats}")
    stats["seconds"] = stats["duration_us"] / 1e6
    return stats


def counts(db: Path) -> tuple[int, dict[str, int]]:
    """(tracking events, webhook deliveries by status)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        events = conn.execute("SELECT count(*) FROM tracking_event").fetchone()[0]
        statuses = dict(
            conn.execute(
                "SELECT status, count(*) FROM raw_input WHERE source LIKE 'hook:%' GROUP BY status"
            ).fetchall()
        )
        return events, statuses
    finally:
        conn.close()


def check(events: int, statuses: dict[str, int], answered: int, posted: int) -> None:
    """Fail unless every delivery stored ended processed with exactly one new event each."""
    processed = statuses.get("processed", 0)
    others = {k: v for k, v in statuses.items() if k != "processed"}
    if others:
        raise RuntimeError(f"deliveries not processed: {others}")
    if processed < min(answered, posted):
        raise RuntimeError(f"{answered} deliveries answered but only {processed} processed")
    if events != processed:
        raise RuntimeError(f"{processed} deliveries processed but {events} new events recorded")


async def round_(
    template: Path, config: Path, script: Path, data: Path, ping: Path, posted: int, seconds: float
) -> tuple[dict, dict, float, int]:
    """One round on a fresh copy of the shop: (bare stats, webhook stats, events/s, events)."""
    data_dir = Path(tempfile.mkdtemp(prefix="shopdesk-bench-webhooks-round-"))
    db = data_dir / "shopdesk.sqlite3"
    copy_db(template, db)
    port = free_port()
    proc = await start_server(data_dir, config, port)
    form = "application/x-www-form-urlencoded"
    try:
        await load(port, script, ping, "/hooks/woocommerce", form, 1)  # warm-up
        bare = await load(port, script, ping, "/hooks/woocommerce", form, seconds)
        before, _ = counts(db)
        began = time.perf_counter()
        hooks = await load(port, script, data, "/hooks/easypost", "application/json", seconds)
        deadline = time.monotonic() + DRAIN_LIMIT
        while counts(db)[1].get("accepted"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"deliveries still waiting after {DRAIN_LIMIT}s")
            await asyncio.sleep(0.05)
        total = time.perf_counter() - began
        after, statuses = counts(db)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
    check(after - before, statuses, hooks["requests"], posted)
    return bare, hooks, (after - before) / total, after - before


def copy_db(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its WAL included)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


async def run(quick: bool = False) -> dict:
    parcels = 2_000 if quick else 6_000
    seconds = 3 if quick else 10
    settings = temp_settings("webhooks")
    await init_db(settings)
    await build_shop(parcels)
    await close_db()
    work = Path(tempfile.mkdtemp(prefix="shopdesk-bench-webhooks-"))
    config = work / "shopdesk.toml"
    config.write_text(f'[webhooks.easypost]\nsecret = "{SECRET}"\n')
    script = work / "post.lua"
    script.write_text(LUA)
    data = work / "deliveries.txt"
    lines = deliveries(parcels)
    data.write_text("\n".join(lines) + "\n")
    ping = work / "ping.txt"
    ping.write_text("-\twebhook_id=1\n")
    template = settings.data_dir / "shopdesk.sqlite3"
    rounds = []
    try:
        for _ in range(ROUNDS):
            rounds.append(await round_(template, config, script, data, ping, len(lines), seconds))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    bare_rps = median(b["requests"] / b["seconds"] for b, _, _, _ in rounds)
    bare_p99 = median(b["p99_us"] / 1000 for b, _, _, _ in rounds)
    hook_rps = median(h["requests"] / h["seconds"] for _, h, _, _ in rounds)
    hook_p99 = median(h["p99_us"] / 1000 for _, h, _, _ in rounds)
    rate = median(r for _, _, r, _ in rounds)
    return {
        "benchmark": "webhooks",
        "description": f"signed EasyPost tracker.updated posts, one new scan each, to "
        f"shopdesk serve (SQLite, {parcels:,} parcels) from wrk at "
        f"{CONNECTIONS} connections for {seconds}s; median of {ROUNDS} rounds, each on a "
        "fresh copy of the shop and checked: every delivery processed, one new event each",
        "baseline": "the same server answering the WooCommerce ping route (a bare 200 that "
        "does nothing), same wrk settings, same round",
        "events": [n for _, _, _, n in rounds],
        "rounds events/s": [r for _, _, r, _ in rounds],
        "wrapped": any(h["requests"] > len(lines) for _, h, _, _ in rounds),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "targets": {f"events/s >= {TARGET:,.0f}": {"value": rate, "met": rate >= TARGET}},
        "figures": {
            "bare 200 (baseline) req/s": {"value": bare_rps, "unit": "req/s", "ratio": 1.0},
            "bare 200 p99": {"value": bare_p99, "unit": "ms", "ratio": 1.0},
            "webhooks req/s (answered)": {
                "value": hook_rps,
                "unit": "req/s",
                "ratio": hook_rps / bare_rps,
            },
            "webhooks p99": {"value": hook_p99, "unit": "ms", "ratio": hook_p99 / bare_p99},
            "tracking events recorded/s": {
                "value": rate,
                "unit": "events/s",
                "ratio": rate / bare_rps,
            },
        },
    }
