"""Building the scale benchmark's databases reproducibly: the synthetic package
(``bench.synthetic``), then ``desertion-api import`` into a fresh SQLite file and a fresh
PostgreSQL database, each timed. The import's time and row count are kept beside the database
(``<file>.import.json``, or a table-less note for PostgreSQL) so a later run that reuses the
database still reports how long building it took.

    python -m bench.build --sentences 1000000 --sqlite /work/bigdata/big.sqlite \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/big_1m
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from bench import synthetic

DATA = Path(__file__).resolve().parent / ".data"
# Bumped whenever bench/synthetic.py writes different rows, so a stale package is rebuilt.
GENERATOR_VERSION = 1


@dataclass
class Built:
    """How one database was built: the import's wall time and the rows it wrote."""

    engine: str
    url: str
    sentences: int
    rows: int
    seconds: float
    cpu_seconds: float | None = None  # of the import process: what the machine's load hides

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def package(sentences: int, folder: Path | None = None) -> Path:
    """The synthetic package of ``sentences`` sentences, generated unless already complete."""
    folder = folder or DATA / f"package-{sentences}"
    stamp = folder / ".complete"
    if stamp.exists() and stamp.read_text() == str(GENERATOR_VERSION):
        return folder
    started = time.monotonic()
    counts = synthetic.generate(folder, sentences)
    stamp.write_text(str(GENERATOR_VERSION))
    print(f"generated {sum(counts.values())} rows in {time.monotonic() - started:.0f} s")
    return folder


def _cli(args: list[str], url: str, quiet: bool) -> None:
    environment = dict(os.environ, DESERTION_DATABASE_URL=url)
    command = [sys.executable, "-m", "app.cli", *args, *(["--quiet"] if quiet else [])]
    subprocess.run(command, env=environment, check=True)


def _fresh_postgres(url: str) -> None:
    """Drop and create the database named in ``url`` (connecting to ``postgres``)."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}"'))
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def _stamp_path(url: str) -> Path:
    database = make_url(url).database or "database"
    if url.startswith("sqlite"):
        return Path(f"{database}.import.json")
    return DATA / f"pg-{database}.import.json"


def load(url: str, folder: Path, sentences: int, quiet: bool = False) -> Built:
    """A fresh database at ``url`` with the package imported; the import timed."""
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        _fresh_postgres(url)
    _cli(["migrate"], url, quiet=False)
    started, cpu = time.monotonic(), _children_cpu()
    _cli(["import", str(folder)], url, quiet)
    seconds, cpu = time.monotonic() - started, _children_cpu() - cpu
    engine = "sqlite" if url.startswith("sqlite") else "postgresql"
    built = Built(engine, url, sentences, _package_rows(folder), seconds, cpu)
    _stamp_path(url).write_text(json.dumps(asdict(built)), encoding="utf-8")
    return built


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _package_rows(folder: Path) -> int:
    """Data rows over every CSV of the package (lines less headers; no cell spans lines)."""
    total = 0
    for path in folder.glob("*.csv"):
        with path.open("rb") as handle:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        total -= 1
    return total


def recorded(url: str) -> Built | None:
    """How the database at ``url`` was built, if ``load`` built it."""
    path = _stamp_path(url)
    if not path.exists():
        return None
    return Built(**json.loads(path.read_text(encoding="utf-8")))


def seeded(url: str) -> None:
    """A fresh database at ``url`` holding the seed (the 'seed size' side of every ratio)."""
    if url.startswith("sqlite"):
        Path(make_url(url).database or "").unlink(missing_ok=True)
    else:
        _fresh_postgres(url)
    _cli(["migrate"], url, quiet=False)
    _cli(["seed"], url, quiet=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.build", description=__doc__)
    parser.add_argument("--sentences", type=int, default=1_000_000)
    parser.add_argument("--sqlite", type=Path, help="SQLite file to build")
    parser.add_argument("--pg-url", help="PostgreSQL database to (re)create and build")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    folder = package(args.sentences)
    urls = ([f"sqlite:///{args.sqlite}"] if args.sqlite else []) + (
        [args.pg_url] if args.pg_url else []
    )
    for url in urls:
        built = load(url, folder, args.sentences, args.quiet)
        print(
            f"{built.engine}: {built.rows} rows in {built.seconds:.0f} s "
            f"({built.rows_per_second:,.0f} rows/s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
