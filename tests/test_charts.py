"""The embeddable SVG charts: valid XML with a title and a description, the points of the JSON
in the right places, each linking to its source, the same bytes for the same request, cached
like every read, and a bounded size."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.charts import ChartSize, multipliers_svg, series_svg

SVG = "{http://www.w3.org/2000/svg}"
SERIES = "/v1/sentences/series"
MULTIPLIERS = "/v1/risks/multipliers"


def parse(body: str) -> ET.Element:
    root = ET.fromstring(body)
    assert root.tag == f"{SVG}svg"
    return root


def links(root: ET.Element, kind: str) -> list[ET.Element]:
    return [a for a in root.iter(f"{SVG}a") if a.get("class") == kind]


def drawn_y(link: ET.Element) -> float:
    """The centre of a point: its visible circle (the other is its wider hit area)."""
    circle = next(c for c in link.iter(f"{SVG}circle") if c.get("fill") != "transparent")
    return float(circle.get("cy") or "nan")


def series_cases(client: TestClient) -> list[dict[str, str]]:
    """Every offence set the series of 'sentences' has, and the default (from the API)."""
    records = client.get(
        "/v1/sentences", params={"measure": "sentences", "granularity": "month", "limit": 500}
    ).json()["data"]
    sets = {",".join(map(str, r["criminal_code_articles"])) for r in records}
    return [{"measure": "sentences"}] + [
        {"measure": "sentences", "offence": s} for s in sorted(sets) if s
    ]


def test_the_series_svg_draws_the_points_of_the_series(client: TestClient) -> None:
    drawn = 0
    for params in series_cases(client):
        points = client.get(SERIES, params=params).json()["points"]
        response = client.get(f"{SERIES}.svg", params=params)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/svg+xml"
        root = parse(response.text)
        marks = links(root, "point")
        assert [a.get("data-record") for a in marks] == [p["record_id"] for p in points]
        for mark, point in zip(marks, points, strict=True):
            assert mark.get("href") == point["sources"][0]["text_fragment_url"]
        articles = {p["sources"][0]["article"]["publisher"] for p in points}
        source_line = " ".join(
            t.text or "" for t in root.iter(f"{SVG}text") if (t.text or "").startswith("Sources")
        )
        for publisher in articles:
            assert publisher in source_line or source_line.endswith("\u2026"), publisher
        drawn += len(points)
    assert drawn > 0


def test_a_chart_has_a_title_and_a_description_listing_its_points(client: TestClient) -> None:
    params = {"measure": "sentences", "offence": "337"}
    body = client.get(SERIES, params=params).json()
    root = parse(client.get(f"{SERIES}.svg", params=params).text)
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert "Art. 337" in (title.text or "")
    for point in body["points"]:
        assert point["period_label"] in (desc.text or "")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def fake_point(month: str, value: float | None, **extra: Any) -> dict[str, Any]:
    """A point as the series gives it, with text that needs escaping in every field shown."""
    article = {"publisher": 'A & B <"News">', "published_at": "2024-04-12", "title": None}
    return {
        "month": month,
        "period_label": f"<{month}>",
        "value": value,
        "value_low": None,
        "value_high": None,
        "value_qualifier": "exact",
        "unit": "sentences",
        "record_id": f"r-{month}",
        "sources": [{"article": article, "text_fragment_url": f"https://x.test/?a=1&b={month}"}],
        "conflict": False,
    } | extra


def test_points_are_placed_by_their_value_and_text_is_escaped() -> None:
    values = [684, 12, 457, 0, 1200, 300]
    points = [fake_point(f"2024-{i + 1:02d}", v) for i, v in enumerate(values)]
    points.append(fake_point("2024-09", None, value_low=100, value_high=500))
    series = {"measure": "sentences", "offence": [337], "region": None, "points": points}
    svg = series_svg(series, ChartSize(640, 400), lambda p: p["sources"][0]["text_fragment_url"])
    root = parse(svg)  # escaped: the ampersands and angle brackets did not break the XML
    marks = links(root, "point")
    middle = [p["value"] if p["value"] is not None else 300 for p in points]
    ys = [drawn_y(mark) for mark in marks]
    by_value = sorted(range(len(middle)), key=lambda i: middle[i])
    assert [ys[i] for i in by_value] == sorted(ys, reverse=True)  # higher value, higher up
    scale = (ys[3] - ys[4]) / (1200 - 0)  # pixels per unit, from the lowest and highest
    for y, value in zip(ys, middle, strict=True):  # linear: positions are not just ordered
        assert y == pytest.approx(ys[3] - value * scale, abs=0.1)
    xs = [float(m.find(f"{SVG}circle").get("cx") or 0) for m in marks]  # type: ignore[union-attr]
    assert xs == sorted(xs)
    assert marks[0].get("href") == "https://x.test/?a=1&b=2024-01"
    assert 'A &amp; B &lt;"News"&gt;' in svg or "A &amp; B &lt;&#34;News&#34;&gt;" in svg


def test_bars_are_as_long_as_their_values(client: TestClient) -> None:
    items = client.get(MULTIPLIERS, params={"reference": "RU-MOW"}).json()["data"]
    response = client.get(f"{MULTIPLIERS}.svg", params={"reference": "RU-MOW"})
    assert response.headers["content-type"] == "image/svg+xml"
    bars = links(parse(response.text), "bar")
    assert [b.get("data-record") for b in bars] == [i["id"] for i in items]
    widths = [float(b.find(f"{SVG}rect").get("width") or 0) for b in bars]  # type: ignore[union-attr]
    ratio = {round(w / i["value"], 6) for w, i in zip(widths, items, strict=True) if i["value"]}
    assert max(ratio) - min(ratio) < 0.01  # one scale: length / value is the same for all
    fills = {b.find(f"{SVG}rect").get("fill") for b in bars if b.get("data-record")}  # type: ignore[union-attr]
    assert len(fills) == (2 if {i["derived"] for i in items} == {True, False} else 1)


def test_an_empty_chart_is_still_a_chart() -> None:
    series: dict[str, Any] = {"measure": "sentences", "offence": None, "region": None, "points": []}
    root = parse(series_svg(series, ChartSize(300, 200), str))
    assert "No source" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    assert parse(multipliers_svg([], ChartSize(300, 200), str)).find(f"{SVG}title") is not None


@pytest.mark.parametrize(
    "path",
    [
        f"{SERIES}.svg?measure=sentences&width=300&height=200",
        f"{MULTIPLIERS}.svg?reference=RU-MOW&width=900",
    ],
)
def test_charts_are_deterministic_sized_and_cached(client: TestClient, path: str) -> None:
    first, second = client.get(path), client.get(path)
    assert first.content == second.content
    root = parse(first.text)
    size = dict(p.split("=") for p in path.split("?")[1].split("&"))
    assert root.get("width") == size.get("width", "640")
    assert root.get("height") == size.get("height", "400")
    assert first.headers["etag"] == second.headers["etag"]
    assert "last-modified" in first.headers
    assert "max-age" in first.headers["cache-control"]
    again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("width=199", "width"),
        ("width=2001", "width"),
        ("height=abc", "height"),
        ("height=1501", "height"),
        ("offence=33", "offence"),
        ("measure=nope", "measure"),
    ],
)
def test_bad_chart_parameters_are_named(client: TestClient, query: str, field: str) -> None:
    params = "measure=sentences&" * (not query.startswith("measure")) + query
    response = client.get(f"{SERIES}.svg?{params}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["parameter"] for e in response.json()["errors"]] == [field]
    multipliers = client.get(f"{MULTIPLIERS}.svg?reference=RU-MOW&{query}")
    if field in ("width", "height"):
        assert multipliers.status_code == 422
        assert multipliers.json()["errors"][0]["parameter"] == field


def test_the_svg_operations_declare_their_media_type(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (f"{SERIES}.svg", f"{MULTIPLIERS}.svg"):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert list(content) == ["image/svg+xml"]
        names = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert {"width", "height"} <= names
    series_names = {p["name"] for p in paths[SERIES]["get"]["parameters"]}
    svg_names = {p["name"] for p in paths[f"{SERIES}.svg"]["get"]["parameters"]}
    assert svg_names == series_names | {"width", "height"}
