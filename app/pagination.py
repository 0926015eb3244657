"""Keyset pagination: a cursor holds the sort key of the last row served.

No OFFSET: a page is ``WHERE (k1, k2) > (:last1, :last2) ORDER BY k1, k2 LIMIT n+1``, which an
index answers directly and which stays stable when rows are inserted before the cursor.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Date, Integer, Select, tuple_
from starlette.datastructures import URL

from app.errors import InvalidParameter, ProblemError

AnySelect: TypeAlias = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class PageRequest:
    limit: int
    cursor: str | None


# A cursor is the sort key of the last row served, readable and exactly described by a pattern
# in the OpenAPI schema: its values joined by "~". Any string the pattern admits is a valid
# position (a keyset cursor need not name a row that exists), so the schema says exactly what
# the server accepts. The sort keys are months (the first of a month: YYYY-MM), region codes and
# slug ids.
SEPARATOR = "~"
KEY_PATTERNS = {
    "month": r"[1-9][0-9]{3}-(0[1-9]|1[0-2])",
    "code": r"RU-[A-Z]{2,3}",
    "id": r"[a-z0-9][a-z0-9-]{1,118}[a-z0-9]",
    "rank": r"[0-9]",  # a small computed sort rank (a sentence's granularity: 0, 1, 2)
}


def _key_kind(column: ColumnElement[Any]) -> str:
    if isinstance(column.type, Date):
        return "month"
    if isinstance(column.type, Integer):
        return "rank"
    return "code" if getattr(column, "name", "") == "code" else "id"


def _keys_pattern(columns: Sequence[ColumnElement[Any]]) -> str:
    return re.escape(SEPARATOR).join(KEY_PATTERNS[_key_kind(c)] for c in columns)


def cursor_pattern(columns: Sequence[ColumnElement[Any]]) -> str:
    return f"^{_keys_pattern(columns)}$"


def any_cursor_pattern(orders: Sequence[Sequence[ColumnElement[Any]]]) -> str:
    """The cursors of a list that can be sorted several ways: a cursor of any of its orders
    (each order still decodes only its own, ``decode_cursor``)."""
    if len(orders) == 1:
        return cursor_pattern(orders[0])
    return "^(?:" + "|".join(f"(?:{_keys_pattern(order)})" for order in orders) + ")$"


def encode_cursor(values: Sequence[Any]) -> str:
    return SEPARATOR.join(v.strftime("%Y-%m") if isinstance(v, date) else str(v) for v in values)


def decode_cursor(cursor: str, columns: Sequence[ColumnElement[Any]]) -> list[Any]:
    if not re.fullmatch(cursor_pattern(columns), cursor):
        reason = "not a cursor of this list; follow the `next` link of a page"
        raise InvalidParameter(reason, [ProblemError(parameter="cursor", reason=reason)])
    decoded: list[Any] = []
    for value, column in zip(cursor.split(SEPARATOR), columns, strict=True):
        if isinstance(column.type, Date):
            year, month = value.split("-")
            decoded.append(date(int(year), int(month), 1))
        elif isinstance(column.type, Integer):
            decoded.append(int(value))
        else:
            decoded.append(value)
    return decoded


def paginate(stmt: AnySelect, order: Sequence[ColumnElement[Any]], page: PageRequest) -> AnySelect:
    """Order by ``order``, start after the cursor, fetch one row more than the page."""
    if page.cursor:
        after = decode_cursor(page.cursor, order)
        stmt = stmt.where(tuple_(*order) > tuple_(*after))
    return stmt.order_by(*order).limit(page.limit + 1)


def next_url(url: URL, rows: Sequence[Any], page: PageRequest, keys: Sequence[str]) -> str | None:
    """The absolute URL of the next page, or None when ``rows`` holds the last one."""
    if len(rows) <= page.limit:
        return None
    last = rows[page.limit - 1]
    cursor = encode_cursor([getattr(last, key) for key in keys])
    return str(url.include_query_params(cursor=cursor))
