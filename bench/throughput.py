"""Requests per second of the read endpoints against a real uvicorn on the seeded database,
each as a ratio to /healthz measured in the same run (the framework's own ceiling here), plus
the cost of the lean JSON path against validating the same page through pydantic.

    python -m bench.throughput [--seconds 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from app.schemas.read import Page
from app.schemas.records import SentenceRead
from bench.server import seeded_sqlite, serve

PATHS = [
    "/healthz",
    "/v1/sentences?limit=50",
    "/v1/claims?limit=50",
    "/v1/risks?limit=50",
    "/v1/sentences/mediazona-2024-03-sentences-337",
    "/v1/search?q=Buryatia",
    "/v1/sentences.csv",
]


def requests_per_second(client: httpx.Client, path: str, seconds: float) -> float:
    count, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        assert client.get(path).status_code == 200
        count += 1
    return count / seconds


def serialisation(body: bytes, rounds: int = 200) -> tuple[float, float]:
    """Seconds per page: orjson of plain dicts vs pydantic validate + dump of the same page."""
    data = orjson.loads(body)
    started = time.perf_counter()
    for _ in range(rounds):
        orjson.dumps(data)
    lean = (time.perf_counter() - started) / rounds
    started = time.perf_counter()
    for _ in range(rounds):
        Page[SentenceRead].model_validate(data).model_dump_json()  # type: ignore[valid-type]
    return lean, (time.perf_counter() - started) / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = seeded_sqlite(Path(folder))
        with serve(url) as server, httpx.Client(base_url=server.base) as client:
            rates = {path: requests_per_second(client, path, args.seconds) for path in PATHS}
            page = client.get("/v1/sentences?limit=50").content
    ceiling = rates["/healthz"]
    for path, rate in rates.items():
        print(f"{path:55s} {rate:8.0f} req/s   {rate / ceiling:5.2f} x /healthz")
    lean, pydantic = serialisation(page)
    print(
        f"a 50-record page: orjson {lean * 1e3:.2f} ms, pydantic validate+dump "
        f"{pydantic * 1e3:.2f} ms ({pydantic / lean:.1f}x)"
    )


if __name__ == "__main__":
    main()
