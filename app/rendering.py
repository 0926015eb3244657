"""Everything that turns records into HTML or SVG text: the Jinja2 environment of
``app/templates`` and the filters its templates share (how a figure, a number and a date read).

Autoescaping is on for ``.html`` and ``.svg`` templates, so every text from the data (quotes,
titles, names, URLs) is escaped where it is written; undefined names raise instead of printing
nothing. The output depends only on the input: charts and pages are byte-for-byte stable."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
QUALIFIER_WORDS = {
    "approximate": "about ",
    "at_least": "at least ",
    "more_than": "more than ",
    "less_than": "less than ",
}


def number(value: float | int | None) -> str:
    """684, 5,200, 30.33: a whole number without a fraction, thousands separated."""
    if value is None:
        return "n/a"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def figure(record: dict[str, Any]) -> str:
    """A record's value as its source words it: '684', 'about 700', '20–30'."""
    if record["value"] is None and record["value_low"] is not None:
        return f"{number(record['value_low'])}\u2013{number(record['value_high'])}"
    words = QUALIFIER_WORDS.get(record["value_qualifier"] or "", "")
    return f"{words}{number(record['value'])}"


def short_month(month: str) -> str:
    """'2024-03' as 'Mar 2024' (an axis label)."""
    year, index = month.split("-")[:2]
    return f"{SHORT_MONTHS[int(index) - 1]} {year}"


def article_line(article: dict[str, Any]) -> str:
    """'Mediazona, 2024-04-12': which article, in a few words (a source line, a list)."""
    date = article["published_at"] or "n.d."
    return f"{article['publisher']}, {date[:10]}"


@cache
def environment() -> Environment:
    """The templates' environment, made on the first page or chart: Jinja2 is not imported
    for the API's JSON reads, nor at start (see tests/test_cold_start.py)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    made = Environment(
        loader=PackageLoader("app", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "svg"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    made.filters.update(
        number=number, figure=figure, short_month=short_month, article_line=article_line
    )
    return made


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
