"""``portal``: tracking pages per second and p99 latency at 64 concurrent connections.

Real uvicorn server processes (``python -m bench.portal_apps``) on 127.0.0.1 serve a large
SQLite shop (1-3 items per order, 8 scans per parcel: a ~3.8 KB page); ``wrk`` (Debian
package ``wrk``; ``apt-get install -y wrk``) generates the load with a Lua script
that rotates over order tokens:

* cold (first views): every request asks for a token this server process has not served
  before (each run its own slice of the shuffled tokens, each used once unless the run
  outlasts its slice, which the result reports as ``cold_wrapped``);
* warm (repeat views): 100 tokens requested over and over, without ``If-None-Match``, so
  every answer is the full page.

Baselines, same uvicorn settings, same run: a bare Litestar hello-world app (for warm), and
a bare Litestar app doing one indexed SELECT through aiosqlite plus a plain Jinja page of
the same scans (for cold). The three servers take turns for three rounds; each figure is
the median round. Targets: warm shopdesk >= 0.5x hello-world; cold shopdesk >= 0.5x raw-SQL page.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import shutil
import signal
import socket
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench.shop import build_shop, temp_settings
from shopdesk.db import close_db, init_db

CONNECTIONS = 64
WARM_TOKENS = 100
REPO = Path(__file__).resolve().parent.parent
TARGET = 0.5
ROUNDS = 3

LUA = r"""
local tokens, n, idx, step = {}, 0, 0, 1
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  for line in io.lines(args[1]) do n = n + 1; tokens[n] = line end
  step = tonumber(args[2])
  idx = id
end
function request()
  local t = tokens[(idx % n) + 1]
  idx = idx + step
  return wrk.format("GET", "/t/" .. t)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, math.floor(latency:percentile(50)),
    math.floor(latency:percentile(99)), latency.max, e.connect, e.read, e.write, e.status,
    e.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User+system CPU time of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """One ``bench.portal_apps`` process."""

    def __init__(self, kind: str, data_dir: Path) -> None:
        self.kind, self.data_dir, self.port = kind, data_dir, free_port()
        self.proc: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Server:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.portal_apps",
            self.kind,
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(self.port),
            cwd=REPO,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.returncode is not None:
                raise RuntimeError(f"{self.kind} server exited with {self.proc.returncode}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                await writer.wait_closed()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.kind} server did not start") from None
                await asyncio.sleep(0.1)

    async def __aexit__(self, *exc) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 15)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    async def load(self, script: Path, tokens: Path, seconds: float) -> dict:
        """One wrk run (1 thread, 64 connections) against this server."""
        assert self.proc is not None
        server_cpu = cpu_seconds(self.proc.pid)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        wrk = await asyncio.create_subprocess_exec(
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{seconds:g}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{self.port}",
            "--",
            str(tokens),
            "1",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await wrk.communicate()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_cpu = cpu_seconds(self.proc.pid) - server_cpu
        if wrk.returncode:
            raise RuntimeError(f"wrk failed: {err.decode()}")
        line = next(x for x in out.decode().splitlines() if x.startswith("BENCHJSON "))
        stats = json.loads(line.removeprefix("BENCHJSON "))
        errors = sum(stats[k] for k in ("connect", "read", "write", "status", "timeout"))
        if errors:
            raise RuntimeError(f"{self.kind}: {errors} failed requests: {stats}")
        wall = stats["duration_us"] / 1e6
        return {
            "rps": stats["requests"] / wall,
            "p99_ms": stats["p99_us"] / 1000,
            "p50_ms": stats["p50_us"] / 1000,
            "requests": stats["requests"],
            "wrk_cpu": (after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime)
            / wall,
            "server_cpu": server_cpu / wall,
        }


def _median(rounds: list[dict]) -> dict:
    """The round with the median throughput (its latency figures come with it)."""
    ordered = sorted(rounds, key=lambda r: r["rps"])
    return {**ordered[len(ordered) // 2], "rps_rounds": [round(r["rps"]) for r in rounds]}


async def run(quick: bool = False) -> dict:
    orders = 10_000 if quick else 100_000
    seconds = 2 if quick else 8
    warmup = 1 if quick else 2
    settings = temp_settings("portal")
    began = time.perf_counter()
    await init_db(settings)
    await build_shop(orders, detail=True)
    await close_db()
    build_seconds = time.perf_counter() - began

    conn = sqlite3.connect(settings.db_url.removeprefix("sqlite://"))
    tokens = [t for (t,) in conn.execute("SELECT token FROM orders ORDER BY id")]
    conn.close()
    random.Random(7).shuffle(tokens)
    warm, cold = tokens[:WARM_TOKENS], tokens[WARM_TOKENS:]

    work = Path(tempfile.mkdtemp(prefix="shopdesk-bench-portal-wrk-"))
    script = work / "rotate.lua"
    script.write_text(LUA)
    warm_file = work / "warm.txt"
    warm_file.write_text("\n".join(warm) + "\n")

    # The three servers run side by side (an idle one costs nothing) and take turns, round
    # after round; each figure is the median of its rounds, so a burst of load from
    # elsewhere on the machine hits every server alike. Each cold run gets tokens of its own.
    cold_runs = [kind for _ in range(ROUNDS) for kind in ("raw", "shopdesk")]
    chunk = len(cold) // len(cold_runs)
    cold_files = []
    for n in range(len(cold_runs)):
        cold_files.append(work / f"cold{n}.txt")
        cold_files[-1].write_text("\n".join(cold[n * chunk : (n + 1) * chunk]) + "\n")
    runs: dict[str, list[dict]] = {}
    try:
        async with (
            Server("hello", settings.data_dir) as hello_server,
            Server("raw", settings.data_dir) as raw_server,
            Server("shopdesk", settings.data_dir) as shopdesk_server,
        ):
            servers = {"hello": hello_server, "raw": raw_server, "shopdesk": shopdesk_server}
            for server in servers.values():
                await server.load(script, warm_file, warmup)  # imports, template compile
            for _ in range(ROUNDS):
                for kind, server in servers.items():
                    if kind != "hello":
                        result = await server.load(script, cold_files.pop(0), seconds)
                        result["wrapped"] = result["requests"] > chunk
                        runs.setdefault(f"{kind} cold", []).append(result)
                    # Repeat views are of pages already viewed: the cold run just pushed the
                    # warm set out of the page cache, so view it again before measuring.
                    await server.load(script, warm_file, 1)
                    runs.setdefault(f"{kind} warm", []).append(
                        await server.load(script, warm_file, seconds)
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    results = {name: _median(rounds) for name, rounds in runs.items()}

    hello, raw_cold = results["hello warm"], results["raw cold"]
    warm_ratio = results["shopdesk warm"]["rps"] / hello["rps"]
    cold_ratio = results["shopdesk cold"]["rps"] / raw_cold["rps"]
    base_of = {
        "hello warm": hello,
        "raw cold": raw_cold,
        "raw warm": hello,
        "shopdesk warm": hello,
        "shopdesk cold": raw_cold,
    }
    figures: dict[str, dict] = {}
    for name in ("hello warm", "raw cold", "raw warm", "shopdesk warm", "shopdesk cold"):
        r, base = results[name], base_of[name]
        label = name + (" (baseline)" if r is base else "")
        figures[f"{label} pages/s"] = {
            "value": r["rps"],
            "unit": "req/s",
            "ratio": r["rps"] / base["rps"],
        }
        figures[f"{label} p99"] = {
            "value": r["p99_ms"],
            "unit": "ms",
            "ratio": r["p99_ms"] / base["p99_ms"],
        }
    figures["wrk CPU at hello-world load"] = {
        "value": hello["wrk_cpu"],
        "unit": "cores",
        "ratio": None,
    }
    figures["server CPU at hello-world load"] = {
        "value": hello["server_cpu"],
        "unit": "cores",
        "ratio": None,
    }
    return {
        "benchmark": "portal",
        "description": f"/t/{{token}} pages at {CONNECTIONS} connections (wrk, 1 thread, "
        f"{seconds}s runs, median of {ROUNDS} interleaved rounds) against one "
        f"uvicorn process each on a {orders:,}-order "
        f"SQLite shop; cold = tokens never served before, warm = "
        f"{WARM_TOKENS} tokens repeated, full pages (no If-None-Match)",
        "baseline": "warm: bare Litestar hello-world; cold: bare Litestar + one indexed "
        "aiosqlite SELECT + small Jinja page (bench/portal_apps.py); same uvicorn "
        "settings, same run",
        "orders": orders,
        "build_seconds": build_seconds,
        "cold_wrapped": any(r["wrapped"] for k in ("raw cold", "shopdesk cold") for r in runs[k]),
        "rounds": ROUNDS,
        "cpus": os.cpu_count(),
        "targets": {
            f"warm shopdesk >= {TARGET}x hello-world": {
                "ratio": warm_ratio,
                "met": warm_ratio >= TARGET,
            },
            f"cold shopdesk >= {TARGET}x raw-SQL page": {
                "ratio": cold_ratio,
                "met": cold_ratio >= TARGET,
            },
        },
        "details": results,
        "figures": figures,
    }
