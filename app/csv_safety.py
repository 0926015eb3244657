"""CSV cells that are safe to open in a spreadsheet (OWASP "CSV Injection").

Excel, LibreOffice and Google Sheets read a cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return as a formula, so a quote such as "+15% more cases" or a handle "@name"
would run instead of being shown. OWASP's guidance: prefix such a text cell with a single quote,
which every spreadsheet shows as text and hides. Only text is escaped: numbers are written by the
callers as numbers and never pass through here, so "-3" stays a number.

The escape is reversible, so the data package round-trips: a text that itself begins with a
single quote gets one more, and ``restore`` removes exactly one.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
ESCAPED_STARTS = (*FORMULA_STARTS, ESCAPE)


def neutralise(text: str) -> str:
    """The cell to write for ``text``: prefixed with ``'`` when a spreadsheet would evaluate it
    (or when it already starts with ``'``, so that ``restore`` is exact)."""
    if text.startswith(ESCAPED_STARTS):
        return ESCAPE + text
    return text


def restore(cell: str) -> str:
    """The text that ``neutralise`` wrote as ``cell``."""
    return cell[1:] if cell.startswith(ESCAPE) else cell
