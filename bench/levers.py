"""Each read lever of issue 11 measured side by side in one run, one uvicorn worker each, with
wrk: FastAPI's hello world (the floor), the API with its response cache off (every read renders,
as before the lever) and on (a repeated read and a 304 answered from the cache).

Besides requests/s, each case reports the server's own CPU time per request (user + system, from
``/proc``): on a machine shared with other work, wrk's rps moves with the neighbours' load, while
what a request costs the server moves much less.

    python -m bench.levers [--database URL] [--seconds 5] [--rounds 3] [--port 8250]

Without ``--database`` it builds a seeded SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from statistics import median

import httpx

from bench.server import seeded_sqlite

PATHS = [
    "/v1/sentences?limit=50",
    "/v1/sentences/dagens-2024-sentences-per-month",
    "/v1/regions/RU-BU",
]


@dataclass(frozen=True)
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int = 0
    cpu_us: float = 0.0  # the server's CPU time per request, when its process id was given


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(url: str, seconds: float, header: str | None = None, pid: int | None = None) -> Run:
    """``wrk -t2 -c8 --latency`` against ``url``: requests/s, p50 and p99, and the CPU time
    per request of the server process ``pid``."""
    command = ["wrk", "-t2", "-c8", f"-d{seconds:g}s", "--latency", url]
    if header:
        command[1:1] = ["-H", header]
    before = cpu_seconds(pid) if pid else 0.0
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    spent = cpu_seconds(pid) - before if pid else 0.0
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"{url}: errors\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Run(rps, p50, p99, requests, spent / max(requests, 1) * 1e6)


@contextmanager
def process(command: list[str], env: dict[str, str], health: str) -> Iterator[int]:
    proc = subprocess.Popen(
        command, env=dict(os.environ, **env), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(health, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if proc.poll() is not None:
                    raise RuntimeError(f"{command} exited") from None
                time.sleep(0.1)
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def api(port: int, database: str, **settings: str) -> list[str | dict[str, str]]:
    env = {"DESERTION_DATABASE_URL": database, "DESERTION_LOG_LEVEL": "warning"}
    env |= {f"DESERTION_{k.upper()}": v for k, v in settings.items()}
    return [[sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env]  # type: ignore[list-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--port", type=int, default=8250)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--path", action="append", help="reads to measure (default: PATHS)")
    args = parser.parse_args()
    paths = args.path or PATHS
    with ExitStack() as stack:
        database = args.database or seeded_sqlite(
            Path(stack.enter_context(tempfile.TemporaryDirectory()))
        )
        hello, off, on = args.port, args.port + 1, args.port + 2
        base = {port: f"http://127.0.0.1:{port}" for port in (hello, off, on)}
        uvicorn = [sys.executable, "-m", "uvicorn", "bench.hello:app", "--no-access-log"]
        pid = {
            hello: stack.enter_context(
                process([*uvicorn, "--port", str(hello), "--log-level", "warning"], {}, base[hello])
            )
        }
        for port, cache in ((off, "0"), (on, str(32 * 1024 * 1024))):
            command, env = api(port, database, response_cache_bytes=cache)
            pid[port] = stack.enter_context(process(command, env, f"{base[port]}/healthz"))  # type: ignore[arg-type]
        cases: list[tuple[str, int, str, str | None]] = [
            ("FastAPI hello world", hello, "/", None),
            ("/healthz", on, "/healthz", None),
        ]
        for path in paths:
            inm = f"If-None-Match: {httpx.get(base[on] + path).headers['etag']}"
            cases += [
                (f"{path} 200, cache off", off, path, None),
                (f"{path} 200, cache on (repeated)", on, path, None),
                (f"{path} 304, cache off", off, path, inm),
                (f"{path} 304, cache on", on, path, inm),
            ]
        # Rounds interleave the cases, so a neighbour's load on a shared machine falls on all.
        runs: dict[str, list[Run]] = {name: [] for name, *_ in cases}
        for _ in range(args.rounds):
            for name, port, path, header in cases:
                runs[name].append(wrk(base[port] + path, args.seconds, header, pid[port]))
        floor = median(r.rps for r in runs["FastAPI hello world"])
        cpu_floor = median(r.cpu_us for r in runs["FastAPI hello world"])
        print(
            f"{'read (median of rounds)':50} {'rps':>7} {'p50 ms':>7} {'p99 ms':>7}"
            f" {'x hello':>7} {'cpu us':>7} {'x hello':>7}"
        )
        for name, measured in runs.items():
            rps = median(r.rps for r in measured)
            p50 = median(r.p50_ms for r in measured)
            p99 = median(r.p99_ms for r in measured)
            cpu = median(r.cpu_us for r in measured)
            print(
                f"{name:50} {rps:7.0f} {p50:7.2f} {p99:7.2f} {rps / floor:7.2f}"
                f" {cpu:7.1f} {cpu_floor / cpu:7.2f}"
            )


if __name__ == "__main__":
    main()
