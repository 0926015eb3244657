"""The ``desertion-api`` command: migrate, seed, export, import, serve."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.config import Settings

# Each command imports what it needs when it runs: ``serve`` starts without the loader, alembic
# or rich (a second of imports), and imports the application (settings included) with the
# cyclic garbage collector held off (see _serve).


def _settings() -> Settings:
    from app.config import get_settings

    return get_settings()


def _migrate(_: argparse.Namespace) -> int:
    from app.migrate import upgrade

    settings = _settings()
    _ensure_sqlite_folder(settings.database_url)
    upgrade(settings.database_url)
    print("database at head")
    return 0


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _seed(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import sessionmaker

    from app.console import progress
    from app.db import make_engine
    from app.loader import SeedError, read_seed, write_seed

    settings = _settings()
    seed_dir = Path(args.dir) if args.dir else settings.seed_dir
    try:
        if args.check:
            seed = read_seed(seed_dir)
            print(f"seed ok: {len(seed.articles)} articles, {len(seed.records)} records")
            return 0
        engine = make_engine(settings.database_url)
        try:
            with progress("seeding", 2, args.quiet) as advance:
                seed = read_seed(seed_dir)
                advance(1)
                with sessionmaker(engine).begin() as session:
                    report = write_seed(session, seed)
                advance(1)
        finally:
            engine.dispose()
    except SeedError as exc:
        if len(exc.problems) == 1:
            print(f"seed refused, nothing was written: {exc.problems[0]}", file=sys.stderr)
            return 1
        print(
            f"seed refused, nothing was written ({len(exc.problems)} problems):",
            file=sys.stderr,
        )
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        f"seed loaded: {report.created} created, {report.updated} updated, "
        f"{report.deleted} removed, {report.unchanged} unchanged"
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import sessionmaker

    from app import package
    from app.db import make_engine

    engine = make_engine(_settings().database_url)
    try:
        with sessionmaker(engine).begin() as session:
            written = package.export_dir(session, Path(args.dir), quiet=args.quiet)
    finally:
        engine.dispose()
    print(f"exported {len(written)} files to {args.dir}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import sessionmaker

    from app import package
    from app.db import make_engine
    from app.loader.reading import one_line

    engine = make_engine(_settings().database_url)
    try:
        with sessionmaker(engine).begin() as session:
            snapshots = Path(args.snapshots) if args.snapshots else None
            counts = package.import_dir(session, Path(args.dir), snapshots, quiet=args.quiet)
    except (package.PackageError, OSError) as exc:
        print(f"import refused, nothing was written: {one_line(exc)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print("imported " + ", ".join(f"{n} {name}" for name, n in counts.items()))
    return 0


def _serve(args: argparse.Namespace) -> int:
    # Importing the application allocates ~110k objects that live as long as the process, and
    # the cyclic collector walked them again and again while they were created: two full and
    # twenty middle collections, a sixth of the CPU of a cold start (issue 11). Held off during
    # the import, they are then frozen (moved out of its reach, as the lifespan does with what
    # starts later) and the collector runs as before. The few hundred cycles the import leaves
    # as garbage (~0.5 MB) are frozen with them instead of collected.
    gc.disable()
    try:
        import uvicorn

        from app.logs import logging_config

        settings = _settings()
        importlib.import_module("app.main")  # uvicorn finds it imported
    finally:
        gc.freeze()
        gc.enable()
    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        log_level=settings.log_level,
        # JSON lines with the request id; our own access line replaces uvicorn's.
        log_config=logging_config(settings.log_level),
        access_log=False,
        # The API has no WebSocket route: not importing a WebSocket implementation saves ~10 ms
        # of every start (an upgrade request is answered as plain HTTP).
        ws="none",
        # SIGTERM drains in-flight requests for at most this long, then exits even if a
        # request is stuck on a hung database.
        timeout_graceful_shutdown=settings.shutdown_timeout,
    )
    return 0


QUIET_HELP = "no progress bar (none is drawn anyway when stdout is not a terminal, or in CI)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="desertion-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="upgrade the database to the latest migration")
    seed = commands.add_parser("seed", help="load seed/ into the database (idempotent)")
    seed.add_argument("--dir", help="seed folder (default: DESERTION_SEED_DIR or ./seed)")
    seed.add_argument("--check", action="store_true", help="validate only; write nothing")
    seed.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    export = commands.add_parser("export", help="write the data package (datapackage.json + CSVs)")
    export.add_argument("dir", help="folder to write into (created if missing)")
    export.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    load = commands.add_parser("import", help="load a data package into an empty database")
    load.add_argument("dir", help="folder holding datapackage.json")
    load.add_argument(
        "--snapshots",
        help="seed folder whose article snapshots re-check verified quotes (default: the seed)",
    )
    load.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    serve = commands.add_parser("serve", help="run the API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    handlers = {
        "migrate": _migrate,
        "seed": _seed,
        "serve": _serve,
        "export": _export,
        "import": _import,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
