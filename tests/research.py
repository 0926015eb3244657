"""docs/research.md read as the tests need it: one section per source, found by its URL.

A source section is a heading whose first line below is ``- URL: <address>``; it runs to the next
heading. Quotes are compared after folding whitespace, because the record wraps long quotes and
the seed folds them in YAML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from app.config import PROJECT_ROOT

RESEARCH = PROJECT_ROOT / "docs" / "research.md"
_URL_LINE = re.compile(r"^- (?:URL|Also archived at): (\S+)", re.MULTILINE)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Section:
    heading: str
    url: str
    also_at: tuple[str, ...]
    text: str  # whitespace folded


def _blocks(markdown: str) -> list[tuple[str, str]]:
    """(heading, body) for every heading of the document, whatever its level."""
    parts = re.split(r"^(#{1,6} .*)$", markdown, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2], strict=True))


@lru_cache
def sections() -> tuple[Section, ...]:
    found: list[Section] = []
    for heading, body in _blocks(RESEARCH.read_text(encoding="utf-8")):
        if not body.lstrip().startswith("- URL: "):
            continue
        url, *also_at = _URL_LINE.findall(body)
        found.append(Section(heading.lstrip("# "), url, tuple(also_at), squash(body)))
    return tuple(found)


@lru_cache
def headings() -> tuple[str, ...]:
    return tuple(heading.lstrip("# ") for heading, _ in _blocks(RESEARCH.read_text("utf-8")))


def address(url: Any) -> str:
    """A seed URL as the research writes it: the validator percent-encodes non-ASCII paths."""
    return unquote(str(url))


def section_for(url: Any) -> Section | None:
    """The section of the source archived at ``url`` (its main address)."""
    return next((s for s in sections() if s.url == address(url)), None)
