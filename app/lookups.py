"""Query values that must name something that exists (a speaker, an article, a metric): the value
itself, or a 422 naming the parameter with the closest known values ("did you mean
grigory-sverdlin?"), so a misspelt filter is never an empty 200.

A value that exists costs one indexed lookup. Only a value that names nothing reads the
vocabulary (the distinct values of an indexed column, or a small reference table such as the
people) to suggest what was meant. Close matches come from RapidFuzz's ``WRatio``: unlike the
stdlib's ``difflib`` ratio it weighs token order and partial names ("sverdlin grigory" and
"dagens-2024-10-02" find their id; difflib finds neither), and it runs in C over thousands of ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, bindparam, literal, select
from sqlalchemy.orm import Session

from app.errors import InvalidParameter, ProblemError, quoted

# A filter's check (app.families.base.Filter.check): the value to filter by, or an error.
Check = Callable[[Session, Any, str], Any]
# Names to match against: each name (an id, a name, an alias) and the value it stands for.
Names = Mapping[str, str]

CUTOFF = 75  # WRatio score (0-100) below which a known value is not offered
SPREAD = 3  # offer only values about as close as the best one
MOST = 3


def close_matches(value: str, names: Names | Iterable[str]) -> list[str]:
    """Up to three known values closest to ``value``, best first (none when nothing is close)."""
    from rapidfuzz import fuzz, process, utils  # only a refusal needs it: not imported at start

    choices = dict(names) if isinstance(names, Mapping) else {name: name for name in names}
    scored = process.extract(
        value,
        list(choices),
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=None,
        score_cutoff=CUTOFF,
    )
    found: list[str] = []
    for name, score, _ in scored:
        meant = choices[name]
        if score >= scored[0][1] - SPREAD and meant not in found:
            found.append(meant)
    return found[:MOST]


def unknown(
    value: str, parameter: str, what: str, names: Names | Iterable[str]
) -> InvalidParameter:
    """The 422 for a ``parameter`` whose ``value`` is not ``what`` it must be, with suggestions."""
    reason = f"{quoted(value)} is not {what}"
    suggestions = close_matches(value, names)
    if suggestions:
        *others, last = suggestions
        reason += f"; did you mean {', '.join(others) + ' or ' if others else ''}{last}?"
    return InvalidParameter(
        f"{parameter}: {reason}", [ProblemError(parameter=parameter, reason=reason)]
    )


def known_value(
    column: ColumnElement[Any], what: str, names: Callable[[Session], Names] | None = None
) -> Check:
    """A filter check: the value when some row holds it in ``column`` (one indexed lookup), else a
    422 saying it is not ``what`` with the closest of the column's values, or of ``names`` (a
    person's name and aliases, standing for their id)."""
    exists = select(literal(1)).where(column == bindparam("value")).limit(1)
    vocabulary = select(column).where(column.is_not(None)).distinct()

    def check(session: Session, value: Any, parameter: str) -> Any:
        if session.execute(exists, {"value": value}).first() is not None:
            return value
        choices = names(session) if names else session.scalars(vocabulary).all()
        raise unknown(value, parameter, what, choices)

    return check


def in_vocabulary(vocabulary: type[StrEnum], what: str) -> Check:
    """A filter check for a controlled vocabulary (the schema lists its values as an enum; this
    says what is wrong and what was probably meant, instead of listing them all)."""
    values = [member.value for member in vocabulary]

    def check(session: Session, value: Any, parameter: str) -> Any:
        if value in values:
            return value
        raise unknown(value, parameter, what, values)

    return check
