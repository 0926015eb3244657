"""Many concurrent keep-alive clients against a real server: every response checked, latency
percentiles, and a /healthz probe running throughout.

Used by the load test (``tests/test_load.py``: correctness under load) and, run as a module, as
the soak benchmark recorded in docs/benchmarks.md:

    python -m bench.load [--clients 200] [--seconds 300]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import httpx

from bench.server import rss_kib, seeded_sqlite, serve

# The heaviest reads: a region's detail (every figure for it with sources and chains), long
# pages with provenance, the disputes view and search.
HEAVY_PATHS = (
    "/v1/regions/RU-BU",
    "/v1/sentences?limit=200",
    "/v1/claims?limit=100",
    "/v1/disputes",
    "/v1/risks/multipliers?reference=RU-MOW",
    "/v1/search?q=Buryatia",
)


@dataclass
class LoadResult:
    clients: int
    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # timeouts, resets, wrong bodies
    latencies: list[float] = field(default_factory=list)
    health_checks: int = 0
    health_failures: int = 0
    health_slowest: float = 0.0

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def _client(
    base: str,
    paths: tuple[str, ...],
    etags: dict[str, str],
    deadline: float,
    offset: int,
    result: LoadResult,
) -> None:
    # One connection per client, kept alive: what a browser or a script does.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, timeout=30.0, limits=limits) as client:
        turn = offset
        while time.monotonic() < deadline:
            path = paths[turn % len(paths)]
            turn += 1
            started = time.monotonic()
            try:
                response = await client.get(path)
            except httpx.HTTPError as exc:
                result.failures[type(exc).__name__] += 1
                continue
            result.latencies.append(time.monotonic() - started)
            result.statuses[response.status_code] += 1
            if response.status_code == 200 and response.headers.get("etag") != etags[path]:
                result.failures["different body"] += 1


def _probe_health(base: str, seconds: float) -> tuple[int, int, float]:
    """(checks, failures, slowest seconds) of /healthz every 0.25 s, on a fresh connection each
    time. Run in a process of its own, so the load generator's busy loop does not delay it."""
    checks = failures = 0
    slowest = 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            ok = httpx.get(base + "/healthz", timeout=5.0).status_code == 200
        except httpx.HTTPError:
            ok = False
        checks += 1
        failures += not ok
        slowest = max(slowest, time.monotonic() - started)
        time.sleep(0.25)
    return checks, failures, slowest


def run_load(
    base: str, clients: int, seconds: float, paths: tuple[str, ...] = HEAVY_PATHS
) -> LoadResult:
    """``clients`` keep-alive clients cycling through ``paths`` for ``seconds``; each 200 must
    carry the same ETag (the same bytes) as the page served to a lone client beforehand."""
    etags = {path: httpx.get(base + path, timeout=30).headers["etag"] for path in paths}
    result = LoadResult(clients=clients, seconds=seconds)

    async def everything() -> None:
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            *(_client(base, paths, etags, deadline, i, result) for i in range(clients))
        )

    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as probe:
        health = probe.submit(_probe_health, base, seconds)
        asyncio.run(everything())
        result.health_checks, result.health_failures, result.health_slowest = health.result()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--rounds", type=int, default=5, help="report memory after each")
    parser.add_argument("--database-url", help="default: a fresh seeded SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or seeded_sqlite(Path(folder))
        with serve(url) as server:
            run_load(server.base, 10, 2.0)  # warm up: pools filled, caches built
            print(f"server RSS before: {rss_kib(server.pid) / 1024:.1f} MiB")
            for round_ in range(1, args.rounds + 1):
                result = run_load(server.base, args.clients, args.seconds / args.rounds)
                _report(round_, result, rss_kib(server.pid))


def _report(round_: int, result: LoadResult, rss: int) -> None:
    print(
        f"round {round_}: {result.clients} clients, {result.seconds:.0f} s, "
        f"{result.requests} requests, statuses {dict(result.statuses)}, "
        f"failures {dict(result.failures)}; latency p50 {result.percentile(0.5) * 1e3:.0f} ms, "
        f"p99 {result.percentile(0.99) * 1e3:.0f} ms, "
        f"max {max(result.latencies, default=0) * 1e3:.0f} ms; /healthz {result.health_checks} "
        f"checks, {result.health_failures} failed, slowest {result.health_slowest * 1e3:.0f} ms; "
        f"server RSS after {rss / 1024:.1f} MiB"
    )


if __name__ == "__main__":
    main()
