"""The scale section of docs/benchmarks.md, from one run of ``bench.scale``: every figure and
every target of issue 11 as a ratio measured in that run, met or not, with the query plans.

Only the text between the two markers is rewritten, so the hand-written sections (the soak,
the levers tried) stay as they are.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

START = "<!-- scale:start (written by python -m bench.scale; edits inside are overwritten) -->"
END = "<!-- scale:end -->"


COLD_TRIES = 7  # spawns of each server for the cold start's medians (bench.scale)


@dataclass
class Load:
    """One wrk run: requests per second, median and 99th percentile latency (ms)."""

    rps: float
    p50: float
    p99: float
    errors: int = 0


@dataclass
class Export:
    path: str
    first_byte: float  # seconds
    rows: int
    seconds: float
    peak_rss_mib: float
    complete: bool = True  # False: stopped after bench.scale's --export-seconds
    cpu_seconds: float | None = None  # of the server process, during this export
    repeated: bool = False  # the same export again: sent from the export cache's file

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class Results:
    sentences: int
    seconds: float
    hello: Load | None = None
    reads: dict[tuple[str, str], dict[str, Load]] = field(default_factory=dict)
    rss: dict[tuple[str, str], float] = field(default_factory=dict)
    exports: dict[str, list[Export]] = field(default_factory=dict)
    uncached_list: Load | None = None
    cached_list: Load | None = None
    not_modified: Load | None = None
    datasette: Load | None = None
    datasette_lean: Load | None = None  # no count, no facets, no suggestions
    list_on_datasette_file: Load | None = None
    uncached_list_on_datasette_file: Load | None = None
    cold_api: float | None = None
    cold_hello: float | None = None
    workers: dict[tuple[int, str], Load] = field(default_factory=dict)
    plans: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    imports: list[Any] = field(default_factory=list)  # bench.build.Built


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _setup(results: Results) -> list[str]:
    load = os.getloadavg()
    return [
        f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {_commit()}, "
        f"`python -m bench.scale --sentences {results.sentences} --seconds {results.seconds:g}`. "
        f"Large dataset: the synthetic package of {results.sentences:,} sentences and "
        f"{results.sentences // 10:,} claims (`bench/synthetic.py`), imported with "
        "`desertion-api import`; seed size: the 189-record seed. One uvicorn worker per server, "
        "`wrk -t2 -c8 --latency` on loopback for the stated seconds per read, every server "
        f"alone on the machine. Load average at the end: {load[0]:.1f} on 2 shared cores, so "
        "absolute rates are low and noisy; the ratios are the findings.",
        "",
    ]


EXTRA_TARGETS = ("change feed", "deep cursor page")


def _reads(results: Results) -> list[str]:
    lines = [
        "### Reads at seed size and at scale (target: p50 and p99 within 3x)",
        "",
        "Each read with the response cache and the facet counts' cache off "
        "(`DESERTION_RESPONSE_CACHE_BYTES=0`, `DESERTION_FACET_CACHE_ENTRIES=0`), so the route "
        "itself runs every statement; the response cache is measured on its own in the next "
        "section. The row 'facets region, year: counts kept per data version' is the facet read "
        "with its counts' cache on (the default), the response cache still off. The seed's "
        "sentences are all national, so '?region=' (sentences) compares a page of 50 records "
        "at scale with an empty page at seed size; 'claims ?region=' is the like-for-like "
        "regional read (5 seed claims about RU-BU, 50 at scale).",
        "",
    ]
    from bench.reads import READS

    targets = {read.name for read in READS if read.target}
    for engine in ("sqlite", "postgresql"):
        seed, big = results.reads.get((engine, "seed"), {}), results.reads.get((engine, "big"), {})
        if not seed or not big:
            continue
        lines += [
            f"**{engine}** (peak RSS {_fmt(results.rss.get((engine, 'seed')), 0)} MiB at seed "
            f"size, {_fmt(results.rss.get((engine, 'big')), 0)} MiB at scale)",
            "",
            "| read | rps seed | p50 seed | p99 seed | rps big | p50 big | p99 big "
            "| p50 x | p99 x | within 3x |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for name, small in seed.items():
            large = big.get(name)
            if large is None:
                continue
            p50x, p99x = _ratio(large.p50, small.p50), _ratio(large.p99, small.p99)
            verdict = "(not a target)"
            if name in targets or name.startswith("facets") or name in EXTRA_TARGETS:
                verdict = _met((p50x or 99) <= 3 and (p99x or 99) <= 3)
            errors = f" ({large.errors} errors)" if large.errors or small.errors else ""
            if not large.rps:
                lines.append(
                    f"| {name} | {small.rps:,.0f} | {small.p50:,.1f} ms | {small.p99:,.1f} ms "
                    f"| 0 | none completed within the {results.seconds:g} s run | | | | "
                    f"{_met(False)} |"
                )
                continue
            lines.append(
                f"| {name}{errors} | {small.rps:,.0f} | {small.p50:,.1f} ms | {small.p99:,.1f} ms "
                f"| {large.rps:,.0f} | {large.p50:,.1f} ms | {large.p99:,.1f} ms "
                f"| {_fmt(p50x, 1)} | {_fmt(p99x, 1)} | {verdict} |"
            )
        lines.append("")
    return lines


def _floors(results: Results) -> list[str]:
    hello = results.hello.rps if results.hello else None
    rows = [
        ("50-record list (cache off) / hello world", results.uncached_list, hello, 0.35),
        ("repeated list, answered from the cache / hello world", results.cached_list, hello, 0.8),
        ("matching conditional GET (304) / hello world", results.not_modified, hello, 0.8),
        (
            "50-record list on the large SQLite file (as deployed, cache on) / Datasette",
            results.list_on_datasette_file,
            results.datasette.rps if results.datasette else None,
            3.0,
        ),
        (
            "the same with our response cache off / Datasette",
            results.uncached_list_on_datasette_file,
            results.datasette.rps if results.datasette else None,
            3.0,
        ),
        (
            "our list, cache on / Datasette's leanest page (no count, no facets)",
            results.list_on_datasette_file,
            results.datasette_lean.rps if results.datasette_lean else None,
            3.0,
        ),
        (
            "our list, cache off / Datasette's leanest page (no count, no facets)",
            results.uncached_list_on_datasette_file,
            results.datasette_lean.rps if results.datasette_lean else None,
            3.0,
        ),
    ]
    lines = [
        "### Against the framework's floor and Datasette",
        "",
        f"FastAPI hello world (same venv, same uvicorn): {_fmt(hello, 0)} rps. Datasette 0.65 "
        "serves the large SQLite file read-only (`-i`) with 8 SQL threads; the page compared is "
        "`sentence_stats.json?_size=50` (its default: it counts the table's rows, within its time "
        "limit) and the same with `_nocount=1&_nofacet=1&_nosuggest=1` (its leanest) against "
        "our `/v1/sentences?limit=50` on the same file.",
        "",
        "| comparison | ours rps | other rps | ratio | target | |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, ours, other, target in rows:
        ratio = _ratio(ours.rps if ours else None, other)
        lines.append(
            f"| {label} | {_fmt(ours.rps if ours else None, 0)} | {_fmt(other, 0)} "
            f"| {_fmt(ratio)} | {target:g}x | {_met(ratio is not None and ratio >= target)} |"
        )
    cold = results.cold_api
    lines += [
        "",
        f"Cold start (spawn to the first 200 of `/healthz`, median of {COLD_TRIES} spawns "
        "in turn with hello world's, the application's bytecode compiled as in the Docker "
        "image): "
        f"`desertion-api serve` {_fmt(cold)} s, hello world {_fmt(results.cold_hello)} s; "
        f"target under 0.8 s: {_met(cold is not None and cold < 0.8)}.",
        "",
    ]
    return lines


def _exports(results: Results) -> list[str]:
    lines = [
        "### Streamed exports at scale (target: first byte under 1 s, 100k rows/s, flat memory)",
        "",
        "| engine | export | first byte | rows | seconds | rows/s | server CPU | server peak RSS "
        "| |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for engine, exports in results.exports.items():
        for export in exports:
            ok = export.first_byte < 1 and export.rows_per_second >= 100_000
            rows = f"{export.rows:,}" + ("" if export.complete else " (stopped)")
            name = f"`{export.path}`" + (" repeated (export cache)" if export.repeated else "")
            cpu = "" if export.cpu_seconds is None else f"{export.cpu_seconds:.2f} s"
            lines.append(
                f"| {engine} | {name} | {export.first_byte:.2f} s | {rows} "
                f"| {export.seconds:.1f} | {export.rows_per_second:,.0f} | {cpu} "
                f"| {export.peak_rss_mib:.0f} MiB | {_met(ok)} |"
            )
    lines += [
        "",
        "An export still running after `--export-seconds` is stopped there and its rate is "
        "that of the rows received so far (marked stopped). Each export is first rendered "
        "(an empty export cache), then repeated: the repeat is the file the first one left in "
        "the export cache (`app/export_cache.py`; a stopped first one is first pulled to its "
        "end, untimed). Server CPU is the server process's, from /proc, during that export.",
        "",
    ]
    return lines


def _imports(results: Results) -> list[str]:
    lines = [
        "### Import (target: 1M rows in under 2 minutes on each engine)",
        "",
        "| engine | sentences | rows written | wall s | rows/s | time for 1M rows "
        "| import process CPU s | 1M rows in CPU s | |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for built in results.imports:
        per_million = 1_000_000 / built.rows_per_second if built.rows_per_second else None
        cpu = getattr(built, "cpu_seconds", None)
        cpu_million = 1_000_000 * cpu / built.rows if cpu and built.rows else None
        lines.append(
            f"| {built.engine} | {built.sentences:,} | {built.rows:,} | {built.seconds:.0f} "
            f"| {built.rows_per_second:,.0f} | {_fmt(per_million, 0)} s | {_fmt(cpu, 0)} "
            f"| {_fmt(cpu_million, 0)} | {_met(per_million is not None and per_million < 120)} |"
        )
    lines += [
        "",
        "Rows written counts every CSV row of the package (records, their family rows, "
        "evidence, relations, revisions, articles); the search index is built on top. The "
        "import time is that of building the large databases used above (`bench/build.py`), "
        "wall time on the loaded machine; the CPU seconds are those of the importing process "
        "alone (on PostgreSQL the server's own work is not in them), what an idle machine "
        "would need at least.",
        "",
    ]
    return lines


def _workers(results: Results) -> list[str]:
    if not results.workers:
        return []
    names = sorted({name for _, name in results.workers})
    lines = [
        "### Scale-out: 1, 2 and 4 uvicorn workers on PostgreSQL (large dataset)",
        "",
        "| read | "
        + " | ".join(f"{n} worker{'s' if n > 1 else ''} rps" for n in (1, 2, 4))
        + " | 4 / 1 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in names:
        rates = [results.workers.get((n, name)) for n in (1, 2, 4)]
        one, four = rates[0], rates[2]
        lines.append(
            f"| {name} | "
            + " | ".join(_fmt(r.rps if r else None, 0) for r in rates)
            + f" | {_fmt(_ratio(four.rps if four else None, one.rps if one else None))} |"
        )
    lines += [
        "",
        "Four workers on two shared cores (with wrk on the same cores) cannot show linear "
        "scaling; see docs/scaling.md for the path to many machines.",
        "",
    ]
    return lines


def _plans(results: Results) -> list[str]:
    lines = ["### Query plans at scale (`bench.reads.explain`)", ""]
    for (engine, name), plans in results.plans.items():
        lines += [f"<details><summary>{engine}: {name}</summary>", ""]
        for sql, plan in plans:
            lines += ["```sql", sql, "```", "```", plan, "```", ""]
        lines += ["</details>", ""]
    return lines


def render(results: Results) -> str:
    """The scale section, markers included."""
    lines = [START, "", "## Scale (issue 11): `make bench`", ""]
    lines += _setup(results)
    lines += _reads(results)
    lines += _floors(results)
    lines += _exports(results)
    lines += _imports(results)
    lines += _workers(results)
    lines += _plans(results)
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_report(path: Path, results: Results) -> None:
    """Replace the scale section of ``path`` (or add it after the title), keeping the rest."""
    section = render(results)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        title, _, body = text.partition("\n")
        text = f"{title}\n\n{section}\n{body.lstrip()}"
    path.write_text(text, encoding="utf-8")
