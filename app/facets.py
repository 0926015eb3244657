"""Facet counts kept per data version.

A facet counted over the matching records costs in proportion to them (at 100k sentences on
SQLite the region facet read 100k index entries, ~80-200 ms, and the year facet as many); most
are now summed from the counts kept at load time (``app.rollup``), but a filter the rollup does
not hold (``from``, ``article``) still counts the records. The counts change only when the data
does, so each worker keeps the counts of the statements it has run, for the data version they
were counted at (read by ``app.http_cache`` for every request it sees, and left in the
request's scope under ``VERSION_KEY``): a repeated facet, or the
same facet beside another page of the list, costs a dictionary lookup until the next load.
Unlike the response cache, it is kept when a page differs (``cursor``, ``limit``, ``sort``):
the counts do not depend on them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from app.pagination import AnySelect
from app.rollup import FamilyRollup, facet_counts_of


class FacetCache:
    """Counts by (data version, statement), least recently used first out; ``entries`` 0
    keeps nothing (every facet counted anew)."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._counts: OrderedDict[tuple[Any, ...], list[dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()  # sync routes run in a thread pool

    def counts(
        self,
        session: Session,
        version: Any,
        base: AnySelect,
        expression: ColumnElement[Any],
        rollup: FamilyRollup | None = None,
    ) -> list[dict[str, Any]]:
        """The counts (``app.rollup.facet_counts_of``: from the family's rollup when the
        filters allow), kept for ``version``."""
        if not self.entries or version is None:
            return facet_counts_of(session, base, expression, rollup)
        dialect = session.get_bind().dialect
        compiled = base.compile(dialect=dialect)
        key = (
            version,
            str(compiled),
            repr(sorted(compiled.params.items())),
            str(expression.compile(dialect=dialect)),
        )
        with self._lock:
            found = self._counts.get(key)
            if found is not None:
                self._counts.move_to_end(key)
                return [dict(count) for count in found]
        counted = facet_counts_of(session, base, expression, rollup)
        with self._lock:
            self._counts[key] = counted
            while len(self._counts) > self.entries:
                self._counts.popitem(last=False)
        return [dict(count) for count in counted]
