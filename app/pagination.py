"""Keyset pagination: an opaque cursor holds the sort key of the last row served.

No OFFSET: a page is ``WHERE (k1, k2) > (:last1, :last2) ORDER BY k1, k2 LIMIT n+1``, which an
index answers directly and which stays stable when rows are inserted before the cursor.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Date, Integer, Select, tuple_
from starlette.datastructures import URL

from app.errors import BadRequest, ProblemError

AnySelect: TypeAlias = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class PageRequest:
    limit: int
    cursor: str | None


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, date) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, columns: Sequence[ColumnElement[Any]]) -> list[Any]:
    def refuse() -> BadRequest:
        return BadRequest(
            "the cursor is not one this API issued; follow the `next` link of a page",
            [ProblemError(parameter="cursor", reason="malformed or from another endpoint")],
        )

    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise refuse() from exc
    if not isinstance(values, list) or len(values) != len(columns):
        raise refuse()
    decoded: list[Any] = []
    for value, column in zip(values, columns, strict=True):
        if isinstance(column.type, Integer):
            valid = type(value) is int and abs(value) < 2**63
        else:
            valid = isinstance(value, str) and _storable(value) and len(value) <= 200
        if not valid:
            raise refuse()
        if isinstance(column.type, Date):
            try:
                decoded.append(date.fromisoformat(value))
            except ValueError as exc:
                raise refuse() from exc
        else:
            decoded.append(value)
    return decoded


def _storable(text: str) -> bool:
    """Text a database can compare: no NUL (PostgreSQL refuses it) and valid Unicode (a JSON
    escape can smuggle in a lone surrogate, which no driver can encode)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
