"""The longest period a court statistic covers, once per data version: the lower bound that
lets ``?from=`` use the period index.

``from`` selects periods that end in or after a month (``period_end >= from``), and the list is
ordered by ``period_start``. Nothing told the planner where in that order the matches begin, so
it walked the index from the earliest period and threw away every period that ended too early
(737,114 rows at 1M sentences). A period that ends in or after ``from`` starts no earlier than
``from`` minus the longest period in the data, so ``period_start >= that`` is implied by the
filter (it never changes what matches) and bounds the index range.

The longest period is a scan of the table, so it is kept per data version (app.http_cache: it
changes with every commit), which the request's session carries; without a known version the
bound is left out, and the list is still right, only slower.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, extract, func, select, true
from sqlalchemy.orm import Session

from app.db import DATA_VERSION
from app.queries import sentences

# (database URL, data version) -> months from the longest period's first month to its last.
_LONGEST: dict[tuple[str, Any], int] = {}


def longest_period_months(session: Session) -> int | None:
    """How many months the longest period spans (0: one month), at the session's data version;
    None when the version is unknown or there are no periods."""
    version = session.info.get(DATA_VERSION)
    if version is None:
        return None
    key = (str(session.get_bind().engine.url), version)
    known = _LONGEST.get(key)
    if known is not None:
        return known
    start, end = sentences.c.period_start, sentences.c.period_end
    span = (extract("year", end) - extract("year", start)) * 12 + (
        extract("month", end) - extract("month", start)
    )
    longest = session.scalar(select(func.max(span)))
    if longest is None:
        return None
    if len(_LONGEST) > 16:  # versions only move on: an old one is never asked for again
        _LONGEST.clear()
    _LONGEST[key] = int(longest)
    return int(longest)


def months_before(month: date, months: int) -> date:
    """The first day of the month ``months`` before ``month``'s."""
    index = month.year * 12 + month.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def starts_from(session: Session, month: date) -> ColumnElement[bool]:
    """``period_start`` no earlier than any period ending in or after ``month`` can start."""
    longest = longest_period_months(session)
    if longest is None:
        return true()
    return sentences.c.period_start >= months_before(month, longest)
