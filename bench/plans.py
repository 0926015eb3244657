"""Index levers before and after, side by side: the same reads timed in-process (no HTTP, the
response cache off) against two copies of one database, one without and one with a migration,
interleaved so that a shared machine's load falls on both; and each read's query plan.

    python -m bench.plans BEFORE_URL AFTER_URL [--repeat 15] [--path /v1/...]...
"""

from __future__ import annotations

import argparse
import time
from statistics import median, quantiles

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from app.config import Settings
from app.main import create_app
from bench.reads import READS, explain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--path", action="append")
    parser.add_argument("--plans", action="store_true", help="print the plans of the reads too")
    args = parser.parse_args()
    paths = args.path or [read.big_path for read in READS]
    clients = {
        name: TestClient(create_app(Settings(database_url=url, response_cache_bytes=0)))
        for name, url in (("before", args.before), ("after", args.after))
    }
    times: dict[tuple[str, str], list[float]] = {}
    for client in clients.values():
        client.__enter__()
    try:
        for path in paths:
            for client in clients.values():
                client.get(path)  # warm
            for _ in range(args.repeat):
                for name, client in clients.items():
                    started = time.perf_counter()
                    response = client.get(path)
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 200, (path, response.text[:200])
                    times.setdefault((path, name), []).append(elapsed)
    finally:
        for client in clients.values():
            client.__exit__(None, None, None)
    print(f"{'read':60} {'p50 before':>11} {'p50 after':>10} {'p90 before':>11} {'p90 after':>10}")
    for path in paths:
        before, after = times[(path, "before")], times[(path, "after")]
        p90b, p90a = quantiles(before, n=10)[-1], quantiles(after, n=10)[-1]
        print(
            f"{path[:60]:60} {median(before):11.1f} {median(after):10.1f} {p90b:11.1f} {p90a:10.1f}"
        )
    if args.plans:
        for name, url in (("before", args.before), ("after", args.after)):
            engine = create_engine(url)
            for path in paths:
                print(f"\n## {name}: {path}")
                for sql, plan in explain(engine, path):
                    print(f"{sql[:160]}\n{plan}")
            engine.dispose()


if __name__ == "__main__":
    main()
