"""The revision log as the loader writes it, and the tally of one load for the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models import Revision


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def revise(
    session: Session,
    entity: str,
    entity_id: str,
    action: str,
    snapshot: dict[str, Any] | None,
    reason: str,
    at: datetime,
) -> None:
    """Append one entry to the revision log (never updated, never deleted)."""
    session.add(
        Revision(
            entity=entity,
            entity_id=entity_id,
            action=action,
            snapshot=snapshot,
            reason=reason,
            created_at=at,
        )
    )
