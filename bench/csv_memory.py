"""Peak server memory while exporting every row as CSV: 10,000 vs 1,000,000 synthetic sentence
records, each through a real uvicorn, streamed by an httpx client.

    python -m bench.csv_memory [--rows 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
from sqlalchemy import insert
from sqlalchemy.orm import sessionmaker

from app import queries
from app.db import make_engine
from app.migrate import upgrade
from app.models import Article
from bench.server import rss_kib, serve

CHUNK = 20_000


def build(url: str, rows: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    with sessionmaker(engine).begin() as session:
        session.add(
            Article(
                id="synthetic",
                url="https://example.org/s",
                title="Synthetic",
                publisher="Bench",
                content_hash="x",
                authors=[],
            )
        )
        session.flush()
        for start in range(0, rows, CHUNK):
            ids = [f"s-{n:08d}" for n in range(start, min(rows, start + CHUNK))]
            session.execute(
                insert(queries.records),
                [
                    {
                        "id": i,
                        "kind": "sentence",
                        "statement": f"Synthetic figure {i}",
                        "value": 1,
                        "value_qualifier": "exact",
                        "rank": "normal",
                        "uncertain": False,
                        "derived": False,
                        "content_hash": "x",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )
            session.execute(
                insert(queries.sentences),
                [
                    {
                        "id": i,
                        "period_start": date(2024, 1, 1),
                        "period_end": date(2024, 1, 1),
                        "measure": "sentences",
                        "rate_basis": "total",
                        "criminal_code_articles": "337",
                    }
                    for i in ids
                ],
            )
            session.execute(
                insert(queries.evidence),
                [
                    {
                        "record_id": i,
                        "article_id": "synthetic",
                        "quote": f"quote of {i}",
                        "verified": False,
                        "position": 0,
                    }
                    for i in ids
                ],
            )
    engine.dispose()


def measure(url: str) -> dict[str, float]:
    with serve(url) as server:
        pid, base = server.pid, server.base
        baseline = rss_kib(pid)
        peak = baseline
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, rss_kib(pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        size = lines = 0
        with httpx.stream("GET", f"{base}/v1/sentences.csv", timeout=None) as response:
            for chunk in response.iter_bytes():
                size += len(chunk)
                lines += chunk.count(b"\n")
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
    return {
        "rows": lines - 1,
        "bytes": size,
        "seconds": elapsed,
        "rss_before_mib": baseline / 1024,
        "rss_peak_mib": peak / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = {}
        for rows in (args.small, args.rows):
            url = f"sqlite:///{Path(folder) / f'bench-{rows}.db'}"
            build(url, rows)
            results[rows] = measure(url)
            print(rows, {k: round(v, 1) for k, v in results[rows].items()}, flush=True)
        small, large = results[args.small], results[args.rows]
        growth = (large["rss_peak_mib"] - large["rss_before_mib"]) / max(
            small["rss_peak_mib"] - small["rss_before_mib"], 1.0
        )
        ratio = large["rss_peak_mib"] / small["rss_peak_mib"]
        print(
            f"rows x{args.rows // args.small}: peak RSS {small['rss_peak_mib']:.0f} -> "
            f"{large['rss_peak_mib']:.0f} MiB (ratio {ratio:.2f}; growth over idle ratio "
            f"{growth:.2f}); throughput {large['rows'] / large['seconds']:.0f} rows/s"
        )


if __name__ == "__main__":
    main()
