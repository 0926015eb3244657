"""Citations in the styles journalists and reference managers paste: plain text, BibTeX,
CSL-JSON and RIS; and text-fragment links that open an article scrolled to the quote.

Only a headline as published goes where a style expects a title. An article whose headline is
not known has ``title`` null and a ``description`` in our own words: the text citation leaves it
out ("Mediazona, 12 April 2024, https://..."), and the machine-readable styles carry it as a
note, which every style prints or keeps as it is, never in quotation marks."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote as percent_encode

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MEDIA_TYPES = {
    "text": "text/plain; charset=utf-8",
    "bibtex": "application/x-bibtex; charset=utf-8",
    "csl-json": "application/vnd.citationstyles.csl+json",
    "ris": "application/x-research-info-systems; charset=utf-8",
}


def human_date(value: datetime | None, precision: str | None, approximate: bool) -> str:
    if value is None:
        return "n.d."
    value = value.astimezone(UTC)
    if precision == "year":
        text = str(value.year)
    elif precision == "month":
        text = f"{MONTHS[value.month - 1]} {value.year}"
    else:
        text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"c. {text}" if approximate else text


def citation_text(article: Any) -> str:
    """'Kathrine Frich, 'Title', Dagens, 2 October 2024, <url>' from an article row; without a
    known headline, 'Mediazona, 12 April 2024, <url>' (our description is not a title)."""
    parts: list[str] = []
    authors = list(article.authors or [])
    if authors:
        parts.append(
            authors[0] if len(authors) == 1 else ", ".join(authors[:-1]) + " and " + authors[-1]
        )
    if article.title:
        parts.append(f"'{article.title}'")
    parts.append(article.publisher)
    parts.append(
        human_date(article.published_at, article.published_precision, article.published_approximate)
    )
    if article.url:
        parts.append(article.url)
    return ", ".join(parts)


def _date_parts(article: Any) -> list[int]:
    value = article.published_at.astimezone(UTC)
    parts = [value.year, value.month, value.day]
    return parts[: {"year": 1, "month": 2}.get(article.published_precision or "day", 3)]


def _key(article: Any) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", article.id)


def _bibtex_escape(value: str) -> str:
    """Braces, and the characters LaTeX reads as commands, escaped so the entry stays valid."""
    return re.sub(r"([{}%&#_$\\])", r"\\\1", value)


def _notes(article: Any, note: str | None) -> list[str]:
    """What goes in a style's note: our description of an article whose headline is not known
    (labelled, so nobody takes it for the headline), then ``note``."""
    shown = article.description and f"Headline not known; described as: {article.description}"
    return [text for text in (shown, note) if text]


def bibtex(article: Any, note: str | None = None) -> str:
    """A biblatex ``@online`` entry. Our description goes in ``note``, not ``title``: ``note``
    is the one field that biblatex's @online and BibTeX's @misc fallback both print, plainly,
    while ``howpublished`` is dropped by @online and ``titleaddon`` by classic BibTeX."""
    fields = {
        "title": article.title,
        "author": " and ".join(article.authors or []) or None,
        "organization": article.publisher,
        "url": article.url,
        "note": ". ".join(_notes(article, note)) or None,
    }
    if article.published_at is not None:
        parts = _date_parts(article)
        fields["year"] = str(parts[0])
        if len(parts) > 1:
            fields["month"] = MONTHS[parts[1] - 1][:3].lower()
        fields["date"] = "-".join(f"{p:02d}" for p in parts)
    body = ",\n".join(
        f"  {name} = {{{value if name == 'url' else _bibtex_escape(value)}}}"
        for name, value in fields.items()
        if value
    )
    return f"@online{{{_key(article)},\n{body}\n}}\n"


def csl_json(article: Any, note: str | None = None) -> list[dict[str, Any]]:
    item: dict[str, Any] = {
        "id": article.id,
        "type": "article-newspaper",
        "title": article.title,
        "container-title": article.publisher,
        "author": [{"literal": name} for name in article.authors or []],
        "URL": article.url,
        "language": article.language,
    }
    if article.published_at is not None:
        item["issued"] = {"date-parts": [_date_parts(article)]}
    if notes := _notes(article, note):
        item["note"] = "\n".join(notes)  # CSL has no variable for a descriptive title
    return [{k: v for k, v in item.items() if v not in (None, [])}]


def ris(article: Any, note: str | None = None) -> str:
    lines = ["TY  - NEWS"]
    lines += [f"AU  - {name}" for name in article.authors or []]
    if article.title:
        lines.append(f"TI  - {article.title}")
    lines.append(f"T2  - {article.publisher}")
    if article.published_at is not None:
        parts = _date_parts(article) + [0, 0]
        lines.append(f"PY  - {parts[0]}")
        lines.append(
            f"DA  - {parts[0]}/{parts[1] or '':0>2}/{parts[2] or '':0>2}/".replace("/00/", "//")
        )
    if article.url:
        lines.append(f"UR  - {article.url}")
    if article.language:
        lines.append(f"LA  - {article.language}")
    lines += [f"N1  - {text}" for text in _notes(article, note)]
    lines.append("ER  - ")
    return "\r\n".join(lines) + "\r\n"


class _PercentEncoded(dict[int, str]):
    """``quote(ch, safe="")`` of each character, computed once per character: ``str.translate``
    through it encodes a text as ``quote`` does, at about twice the speed (every record of an
    export has a quote of its own, so no cache of whole texts helps)."""

    def __missing__(self, code: int) -> str:
        encoded = self[code] = percent_encode(chr(code), safe="")
        return encoded


_PERCENT = _PercentEncoded()


def _fragment_part(text: str) -> str:
    # '-', ',' and '&' are syntax in a text directive, so they must be percent-encoded too.
    return text.translate(_PERCENT)


@lru_cache(maxsize=8192)  # the same quotes are served again and again; encoding is the cost
def text_fragment_url(url: str | None, quote: str, words: int = 4) -> str | None:
    """``<url>#:~:text=<start>,<end>``: browsers open the page scrolled to the quote."""
    if not url:
        return None
    tokens = quote.split()
    if len(tokens) <= 2 * words:
        directive = _fragment_part(" ".join(tokens))
    else:
        start, end = " ".join(tokens[:words]), " ".join(tokens[-words:])
        directive = f"{_fragment_part(start)},{_fragment_part(end)}"
    return f"{url.split('#')[0]}#:~:text={directive}"


def render(style: str, article: Any, note: str | None = None) -> tuple[str | list[Any], str]:
    """The citation of ``article`` in ``style`` and its media type."""
    if style == "bibtex":
        return bibtex(article, note), MEDIA_TYPES[style]
    if style == "csl-json":
        return csl_json(article, note), MEDIA_TYPES[style]
    if style == "ris":
        return ris(article, note), MEDIA_TYPES[style]
    return citation_text(article) + "\n", MEDIA_TYPES["text"]
