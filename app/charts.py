"""The two charts, as plain SVG: the monthly series and stated vs derived multipliers.

One renderer for /v1/sentences/series.svg, /v1/risks/multipliers.svg and the charts inlined in
/explore. Here the geometry is computed; ``templates/series.svg`` and ``multipliers.svg`` write
it out (escaped). Coordinates are rounded to one decimal and nothing depends on the clock or on
dict order, so the same data and size give the same bytes (and so the same ETag). Colours are
presentation attributes, not a ``<style>`` element: an SVG opened on its own is under the
API's ``default-src 'none'`` policy, which would refuse one."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Response

from app.errors import LIST_ERRORS
from app.rendering import article_line, figure, render, short_month
from app.vocab import Measure

FONT = 12  # px; the source line is a little smaller
LINE = 15  # px between lines of the source line
TITLE_CHAR = 8.0  # px: the same for the title, bold at 14 px
CHAR = 6.2  # px: the width of an average character at the source line's size, for wrapping
MAX_SOURCE_LINES = 3
SVG_MEDIA_TYPE = "image/svg+xml"


@dataclass(frozen=True)
class ChartSize:
    width: int
    height: int


@dataclass(frozen=True)
class Tick:
    at: float  # the pixel position along its axis
    label: str


@dataclass(frozen=True)
class Mark:
    """A point of the series (or a bar): where it is drawn, what it says, where it leads."""

    x: float
    y: float
    low: float | None  # a range's ends, as pixel positions
    high: float | None
    href: str
    label: str  # the accessible name: month, figure, source
    text: str  # the figure written beside it
    accent: bool  # drawn in the second colour: a conflicting point, a derived bar
    key: str  # the record id


def _nice_top(highest: float) -> tuple[float, float]:
    """The top of the value axis and its step: 1, 2 or 5 times a power of ten, four steps
    or fewer, so the ticks read as round numbers."""
    if highest <= 0:
        return 1.0, 1.0
    rough = highest / 4
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    return step * math.ceil(highest / step), step


def _month_index(month: str) -> int:
    year, number = month.split("-")[:2]
    return int(year) * 12 + int(number) - 1


def _wrap(text: str, width: float, char: float = CHAR) -> list[str]:
    """``text`` in lines of at most ``width`` pixels (estimated from ``char``, the width of an
    average character), at most MAX_SOURCE_LINES; what does not fit ends with an ellipsis."""
    limit = max(20, int(width / char))
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > MAX_SOURCE_LINES:
        lines = lines[:MAX_SOURCE_LINES]
        lines[-1] = lines[-1][: limit - 1].rstrip() + "\u2026"
    return lines


def _source_lines(articles: Sequence[dict[str, Any]], width: float) -> list[str]:
    named = dict.fromkeys(article_line(article) for article in articles)
    return _wrap("Sources: " + "; ".join(named) + ".", width)


def series_title(series: dict[str, Any]) -> str:
    """'Sentences handed down under Art. 337, by month (Russia)'."""
    offence = series["offence"]
    scope = f" under Art. {', '.join(map(str, offence))}" if offence else ""
    where = series["region"] or "Russia"
    return f"{Measure(series['measure']).label}{scope}, by month ({where})"


def point_label(point: dict[str, Any]) -> str:
    """'March 2024: 684 sentences, Mediazona, 2024-04-12': a point read aloud."""
    unit = f" {point['unit']}" if point["unit"] else ""
    source = article_line(point["sources"][0]["article"])
    conflict = " (sources disagree for this month)" if point["conflict"] else ""
    return f"{point['period_label']}: {figure(point)}{unit}, {source}{conflict}"


def series_svg(
    series: dict[str, Any],
    size: ChartSize,
    href: Callable[[dict[str, Any]], str],
    key: str = "series",
    standalone: bool = True,
) -> str:
    """The series as a chart of ``size``; each point links to ``href(point)``. ``key`` makes
    the element ids unique in a page holding several charts."""
    points = series["points"]
    sources = _source_lines([p["sources"][0]["article"] for p in points], size.width - 16)
    title = series_title(series)
    heading = _wrap(title, size.width - 16, TITLE_CHAR)
    left, right, top = 56.0, 16.0, 16.0 + 18.0 * len(heading)
    bottom = 30.0 + LINE * len(sources)
    plot_w, plot_h = size.width - left - right, size.height - top - bottom
    months = [_month_index(p["month"]) for p in points]
    first, slots = (min(months), max(months) - min(months) + 1) if months else (0, 1)
    highest = max((p["value_high"] or p["value"] or 0 for p in points), default=0)
    ceiling, step = _nice_top(float(highest))

    def x_of(month: int) -> float:
        return round(left + (month - first + 0.5) * plot_w / slots, 1)

    def y_of(value: float | None) -> float | None:
        return None if value is None else round(top + plot_h * (1 - value / ceiling), 1)

    marks = []
    for point, month in zip(points, months, strict=True):
        low, high = y_of(point["value_low"]), y_of(point["value_high"])
        middle = point["value"]
        if middle is None and point["value_low"] is not None:
            middle = (point["value_low"] + point["value_high"]) / 2
        marks.append(
            Mark(
                x_of(month),
                y_of(middle) or 0.0,
                low,
                high,
                href(point),
                point_label(point),
                figure(point),
                point["conflict"],
                point["record_id"],
            )
        )
    y_ticks = [
        Tick(y_of(step * i) or 0.0, f"{step * i:,g}") for i in range(round(ceiling / step) + 1)
    ]
    every = max(1, math.ceil(len(set(months)) * 70 / max(plot_w, 1)))
    labelled = sorted(set(months))[::every]
    x_ticks = [Tick(x_of(m), short_month(f"{m // 12}-{m % 12 + 1:02d}")) for m in labelled]
    return render(
        "series.svg",
        size=size,
        key=key,
        standalone=standalone,
        title=title,
        heading=heading,
        description=_series_description(points, sources),
        marks=marks,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        plot=(left, top, plot_w, plot_h),
        sources=sources,
        show_values=len(marks) * 44 <= plot_w,
    )


def _series_description(points: Sequence[dict[str, Any]], sources: Sequence[str]) -> str:
    if not points:
        return "No source gives a one-month figure for this measure and offence set."
    listed = "; ".join(point_label(p) for p in points)
    return f"{len(points)} points, one per month a source covers: {listed}."


def multipliers_title(reference: dict[str, Any] | None) -> str:
    against = reference["name"] if reference else "the reference region"
    return f"War death rate multipliers against {against}: stated and derived"


def bar_label(item: dict[str, Any]) -> str:
    """'Buryatia, 38 times, stated by Actualno' / '..., derived: 91 / 3 = 30.33'."""
    how = (
        f"derived: {item['formula']}"
        if item["derived"]
        else f"stated by {item['sources'][0]['article']['publisher']}"
    )
    return f"{item['region']['name']}, {figure(item)} times, {how}"


def multipliers_svg(
    items: Sequence[dict[str, Any]],
    size: ChartSize,
    href: Callable[[dict[str, Any]], str],
    key: str = "multipliers",
    standalone: bool = True,
) -> str:
    """One horizontal bar per multiplier, stated and derived in two colours (and words)."""
    sources = _source_lines([i["sources"][0]["article"] for i in items], size.width - 16)
    title = multipliers_title(items[0]["reference_region"] if items else None)
    heading = _wrap(title, size.width - 16, TITLE_CHAR)
    left, right, top = 10.0, 56.0, 34.0 + 18.0 * len(heading)
    bottom = 12.0 + LINE * len(sources)
    plot_w, plot_h = size.width - left - right, size.height - top - bottom
    ceiling, _ = _nice_top(max((float(i["value"] or 0) for i in items), default=0))
    row = plot_h / max(len(items), 1)
    bars = [
        Mark(
            round(plot_w * float(item["value"] or 0) / ceiling, 1),
            round(top + row * index, 1),
            None,
            None,
            href(item),
            bar_label(item),
            figure(item),
            bool(item["derived"]),
            item["id"],
        )
        for index, item in enumerate(items)
    ]
    listed = "; ".join(bar_label(item) for item in items) or "none"
    return render(
        "multipliers.svg",
        size=size,
        key=key,
        standalone=standalone,
        title=title,
        heading=heading,
        legend=round(top - 22, 1),
        label_chars=int((size.width - 16) / CHAR),
        description=f"{len(items)} multipliers: {listed}.",
        bars=bars,
        plot=(left, top, plot_w, plot_h),
        row=round(row, 1),
        sources=sources,
    )


def svg_responses(what: str) -> dict[int | str, dict[str, Any]]:
    """How OpenAPI documents a chart operation: one media type, image/svg+xml."""
    return {
        200: {
            "description": f"{what} as an SVG image (with <title> and <desc>), to embed.",
            "content": {SVG_MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        **LIST_ERRORS,
    }


def svg_response(svg: str) -> Response:
    return Response(svg, media_type=SVG_MEDIA_TYPE)
