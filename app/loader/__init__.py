"""Loads the seed: validates every file, checks the whole set, then writes it in one transaction.

This is the one write path into the database (the future write API and ``import`` share it):
each article and record is stored with a content hash, and every create, update or removal
appends a ``Revision``. A second run over unchanged files writes nothing.
"""

from pathlib import Path

from sqlalchemy.orm import Session

from app.loader.reading import PlannedRecord, SeedError, SeedSet, content_hash, fold, read_seed
from app.loader.revisions import LoadReport
from app.loader.writing import write_seed

__all__ = [
    "LoadReport",
    "PlannedRecord",
    "SeedError",
    "SeedSet",
    "content_hash",
    "fold",
    "load_seed",
    "read_seed",
    "write_seed",
]


def load_seed(session: Session, seed_dir: Path, reason: str = "seed") -> LoadReport:
    """Read, check and write the seed folder in the caller's transaction."""
    return write_seed(session, read_seed(seed_dir), reason)
