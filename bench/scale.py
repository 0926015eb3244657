"""The scale benchmark of issue 11 (``make bench``): every read at seed size and against a large
synthetic package, on SQLite and PostgreSQL, with wrk on loopback, one uvicorn worker; beside
them in the same run a FastAPI hello world, Datasette serving the same SQLite file, cold starts,
streamed exports, the import, and 1, 2 and 4 workers on PostgreSQL. Writes the scale section of
docs/benchmarks.md (``bench.report``).

    python -m bench.scale --sentences 1000000 --seconds 10      # the report's run
    python -m bench.scale --sentences 20000 --seconds 3         # a few minutes, for development

The reads and their query plans come from ``bench.reads``. Absolute figures on a shared machine
move from run to run; the ratios, measured minutes apart in one run, are what the report judges.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine

from app.console import progress
from bench import build, reads
from bench.report import COLD_TRIES, Export, Load, Results, write_report

VENV_BIN = Path(sys.executable).parent
PORTS = iter(range(8200, 8250))
REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
EXTRA_READS = (
    reads.Read("change feed", "/v1/changes?limit=50", "/v1/changes?limit=50"),
    reads.Read(
        "deep cursor page",
        "/v1/sentences?limit=50&cursor=2024-06~dagens",
        "/v1/sentences?limit=50&cursor=2025-06~synthetic-sentence-0500000",
    ),
    reads.Read("/healthz", "/healthz", "/healthz", target=False),
)


@dataclass
class Running:
    base: str
    process: subprocess.Popen[bytes]
    started_in: float  # seconds from spawn to the first 200

    def cpu_seconds(self) -> float:
        """User and system CPU the server process has used so far (/proc/<pid>/stat)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self) -> float:
        """The highest resident memory of the server process so far (VmHWM), in MiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text(encoding="utf-8")
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(match.group(1)) / 1024 if match else 0.0


@contextmanager
def running(command: list[str], probe: str, env: dict[str, str] | None = None) -> Iterator[Running]:
    """A server started from ``command`` (its port filled in), ready once ``probe`` answers 200."""
    port = next(PORTS)
    argv = [part.replace("{port}", str(port)) for part in command]
    started = time.monotonic()
    process = subprocess.Popen(
        argv,
        env=dict(os.environ, **(env or {})),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(base + probe, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"{argv[:3]} exited with {process.returncode}")
            if time.monotonic() - started > 120:
                raise RuntimeError(f"{argv[:3]} did not answer {probe} within 120 s")
            time.sleep(0.01)
        yield Running(base, process, time.monotonic() - started)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def api(
    url: str, cache: bool = True, exports: Path | None = None
) -> tuple[list[str], dict[str, str]]:
    env = {"DESERTION_DATABASE_URL": url, "DESERTION_LOG_LEVEL": "warning"}
    if not cache:
        # Both caches keyed on the data version off: every read runs its statements.
        env["DESERTION_RESPONSE_CACHE_BYTES"] = "0"
        env["DESERTION_FACET_CACHE_ENTRIES"] = "0"
    if exports is not None:  # an empty folder: the first export is rendered, not a past run's
        env["DESERTION_EXPORT_CACHE_DIR"] = str(exports)
        # Room for both whole exports at 1M sentences (CSV ~1.1 GB, NDJSON ~2.7 GB): under the
        # default 2 GiB the NDJSON would be sent but not kept.
        env["DESERTION_EXPORT_CACHE_BYTES"] = str(16 << 30)
    command = [str(VENV_BIN / "desertion-api"), "serve", "--port", "{port}"]
    return command, env


def workers(url: str, count: int) -> tuple[list[str], dict[str, str]]:
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", "{port}"]
    command += ["--workers", str(count), "--no-access-log", "--log-level", "warning"]
    return command, {"DESERTION_DATABASE_URL": url, "DESERTION_LOG_LEVEL": "warning"}


HELLO = [sys.executable, "-m", "uvicorn", "bench.hello:app", "--port", "{port}"]
HELLO += ["--no-access-log", "--log-level", "warning"]


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, seconds: float, headers: dict[str, str] | None = None) -> Load:
    """``wrk -t2 -c8 --latency`` against ``url``: requests/s, p50 and p99 in ms, and how many
    answers were not 2xx/3xx."""
    command = ["wrk", "-t2", "-c8", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "60s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Load(rps, p50, p99, int(errors.group(1)) if errors else 0)


def warm(url: str) -> None:
    response = httpx.get(url, timeout=300)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")


def measure_reads(server: Running, big: bool, seconds: float) -> dict[str, Load]:
    loads: dict[str, Load] = {}
    for read in (*reads.READS, *EXTRA_READS):
        url = server.base + (read.big_path if big else read.seed_path)
        warm(url)
        loads[read.name] = wrk(url, seconds)
    return loads


def measure_export(server: Running, path: str, limit: float, repeated: bool = False) -> Export:
    """Stream ``path``: first byte, rows (lines) per second and the server's CPU, for at most
    ``limit`` seconds (an export slower than that is measured on its first part; the report
    says so). ``repeated``: the same export again, from the export cache."""
    cpu = server.cpu_seconds()
    started = time.monotonic()
    first = 0.0
    lines = 0
    complete = True
    with httpx.stream("GET", server.base + path, timeout=3600) as response:
        for chunk in response.iter_bytes():
            if not first:
                first = time.monotonic() - started
            lines += chunk.count(b"\n")
            if time.monotonic() - started > limit:
                complete = False
                break
    seconds = time.monotonic() - started
    cpu = server.cpu_seconds() - cpu
    return Export(path, first, lines, seconds, server.peak_rss_mib(), complete, cpu, repeated)


def measure_exports(server: Running, exports: Path, limit: float) -> list[Export]:
    """The whole sentences CSV and NDJSON, each first rendered (cold), then again from the file
    the first one left in the export cache (warm). A cold export stopped at ``limit`` kept
    nothing, so it is first pulled to its end, untimed."""
    measured: list[Export] = []
    for done, path in enumerate(("/v1/sentences.csv", "/v1/sentences.ndjson")):
        cold = measure_export(server, path, limit)
        measured.append(cold)
        if not cold.complete:
            with httpx.stream("GET", server.base + path, timeout=3600) as response:
                for _ in response.iter_bytes():
                    pass
        # The server renames the file into place just after the last chunk left: wait for it.
        deadline = time.monotonic() + 10
        while (kept := len(list(exports.rglob("*.export")))) != done + 1:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{path}: the export cache holds {kept} files, not this one")
            time.sleep(0.01)
        measured.append(measure_export(server, path, limit, repeated=True))
    return measured


APP_DIR = Path(__file__).resolve().parent.parent / "app"


def cold_starts(api_url: str, tries: int = COLD_TRIES) -> tuple[float, float]:
    """Median seconds from spawn to the first 200 of ``desertion-api serve`` (``/healthz``) and
    of hello world (``/``), spawned in turn so that both meet the same load on the machine.

    The application's bytecode is compiled first, as the Docker image does at build: with
    PYTHONDONTWRITEBYTECODE=1 in the environment (the image's, and this machine's shell) every
    spawn would otherwise compile app/'s ~70 modules from source, a cost hello world, whose
    framework was installed with its bytecode, never pays."""
    compileall.compile_dir(APP_DIR, quiet=1)
    command, env = api(api_url)
    ours, hello = [], []
    for _ in range(tries):
        with running(command, "/healthz", env) as server:
            ours.append(server.started_in)
        with running(HELLO, "/") as server:
            hello.append(server.started_in)
    return statistics.median(ours), statistics.median(hello)


@dataclass
class Plan:
    sqlite_big: str
    pg_big: str
    sqlite_seed: str
    pg_seed: str
    sentences: int
    seconds: float
    export_seconds: float = 60.0


def run(plan: Plan, results: Results, quiet: bool) -> None:
    engines = {
        "sqlite": (plan.sqlite_seed, plan.sqlite_big),
        "postgresql": (plan.pg_seed, plan.pg_big),
    }
    steps = 2 * len(engines) + 7
    with progress("benchmark", steps, quiet) as advance:
        with running(HELLO, "/") as hello:
            results.hello = wrk(hello.base + "/", plan.seconds)
        advance(1)
        for engine, (seed_url, big_url) in engines.items():
            for scale, url in (("seed", seed_url), ("big", big_url)):
                # The response cache off: wrk repeats one URL, so with it every read would be a
                # cache hit and measure the cache (measured on its own below), not the route.
                exports = Path(tempfile.mkdtemp(prefix="desertion-bench-exports-"))
                command, env = api(url, cache=False, exports=exports)
                with running(command, "/healthz", env) as server:
                    results.reads[(engine, scale)] = measure_reads(
                        server, scale == "big", plan.seconds
                    )
                    results.rss[(engine, scale)] = server.peak_rss_mib()
                    if scale == "big":
                        results.exports[engine] = measure_exports(
                            server, exports, plan.export_seconds
                        )
                shutil.rmtree(exports, ignore_errors=True)
                advance(1)
        _kept_facets(engines, plan, results)
        _cache_and_304(plan, results)
        advance(1)
        _datasette(plan, results)
        advance(1)
        results.cold_api, results.cold_hello = cold_starts(plan.sqlite_seed)
        advance(1)
        for count in (1, 2, 4):
            command, env = workers(plan.pg_big, count)
            with running(command, "/healthz", env) as server:
                for read in reads.READS[:1] + reads.READS[-1:]:
                    warm(server.base + read.big_path)
                    results.workers[(count, read.name)] = wrk(
                        server.base + read.big_path, plan.seconds
                    )
        advance(1)
        for engine, url in (("sqlite", plan.sqlite_big), ("postgresql", plan.pg_big)):
            sync_url = url
            engine_ = create_engine(sync_url)
            try:
                for read in reads.READS:
                    results.plans[(engine, read.name)] = reads.explain(engine_, read.big_path)
            finally:
                engine_.dispose()
        advance(1)
        for url in (plan.sqlite_big, plan.pg_big):
            built = build.recorded(url)
            if built is not None:
                results.imports.append(built)
        advance(1)


KEPT_FACETS = "facets region, year: counts kept per data version"


def _kept_facets(engines: dict[str, tuple[str, str]], plan: Plan, results: Results) -> None:
    """The facet read with the response cache off but the facet counts kept per data version
    (the default): what a second page or another client's request of the same list costs."""
    path = next(read for read in reads.READS if read.name.startswith("facets")).big_path
    for engine, (seed_url, big_url) in engines.items():
        for scale, url in (("seed", seed_url), ("big", big_url)):
            command, env = api(url, cache=False)
            env.pop("DESERTION_FACET_CACHE_ENTRIES")
            with running(command, "/healthz", env) as server:
                warm(server.base + path)
                results.reads[(engine, scale)][KEPT_FACETS] = wrk(server.base + path, plan.seconds)


def _cache_and_304(plan: Plan, results: Results) -> None:
    """The list with the response cache off and on, and a matching conditional GET (304)."""
    path = reads.READS[0].seed_path
    command, env = api(plan.sqlite_seed, cache=False)
    with running(command, "/healthz", env) as server:
        results.uncached_list = wrk(server.base + path, plan.seconds)
    command, env = api(plan.sqlite_seed)
    with running(command, "/healthz", env) as server:
        etag = httpx.get(server.base + path).headers.get("etag", "")
        results.cached_list = wrk(server.base + path, plan.seconds)
        results.not_modified = wrk(server.base + path, plan.seconds, {"If-None-Match": etag})


def _datasette(plan: Plan, results: Results) -> None:
    """Datasette on the same SQLite file (read-only, 8 SQL threads) against our list on it."""
    file = plan.sqlite_big.removeprefix("sqlite:///")
    name = Path(file).stem
    with sqlite3.connect(file) as connection:  # -i (immutable) would not see rows in the WAL
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    command = [str(VENV_BIN / "datasette"), "serve", "-i", file, "-p", "{port}"]
    command += ["--setting", "num_sql_threads", "8"]
    path = f"/{name}/sentence_stats.json?_size=50"
    # Its leanest page as well: no row count, no facets, no facet suggestions, which our list
    # does not compute either (its default page counts the table, within its time limit).
    lean = path + "&_nocount=1&_nofacet=1&_nosuggest=1"
    with running(command, path) as server:
        results.datasette = wrk(server.base + path, plan.seconds)
        results.datasette_lean = wrk(server.base + lean, plan.seconds)
    path = reads.READS[0].big_path
    for cache in (True, False):
        command, env = api(plan.sqlite_big, cache)
        with running(command, "/healthz", env) as server:
            warm(server.base + path)
            load = wrk(server.base + path, plan.seconds)
        if cache:
            results.list_on_datasette_file = load
        else:
            results.uncached_list_on_datasette_file = load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--sentences", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="wrk duration per read")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_big"
        ),
        help="PostgreSQL database for the large dataset (dropped and rebuilt unless --reuse)",
    )
    parser.add_argument("--sqlite", type=Path, help="SQLite file for the large dataset")
    parser.add_argument(
        "--export-seconds", type=float, default=60.0, help="stop timing an export after this"
    )
    parser.add_argument("--reuse", action="store_true", help="use the databases as they are")
    parser.add_argument("--out", type=Path, default=REPORT)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--first-port", type=int, default=8200, help="servers listen on the 50 ports from here"
    )
    args = parser.parse_args(argv)
    global PORTS
    PORTS = iter(range(args.first_port, args.first_port + 50))
    sqlite_file = args.sqlite or build.DATA / f"big-{args.sentences}.sqlite"
    pg_seed = args.pg_url.rsplit("/", 1)[0] + "/" + args.pg_url.rsplit("/", 1)[1] + "_seed"
    plan = Plan(
        sqlite_big=f"sqlite:///{sqlite_file}",
        pg_big=args.pg_url,
        sqlite_seed=f"sqlite:///{build.DATA / 'seed.sqlite'}",
        pg_seed=pg_seed,
        sentences=args.sentences,
        seconds=args.seconds,
        export_seconds=args.export_seconds,
    )
    build.DATA.mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        folder = build.package(args.sentences)
        for url in (plan.sqlite_big, plan.pg_big):
            build.load(url, folder, args.sentences, args.quiet)
    build.seeded(plan.sqlite_seed)
    build.seeded(plan.pg_seed)
    results = Results(sentences=args.sentences, seconds=args.seconds)
    run(plan, results, args.quiet)
    write_report(args.out, results)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
