"""Figures computed from stored records: regional multipliers derived from rates, and chart
series of court statistics. Nothing here is stored; every output names its inputs."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from app.vocab import Metric, Unit

# A rate metric and the multiplier metric its ratio gives (a rate of another metric gives none:
# every metric served is in the vocabulary, with its label).
RATIO_OF_RATE = {
    "war_deaths_per_10000_men": Metric.war_death_rate,
    "war_deaths_percent_of_residents": Metric.war_death_rate,
}
RANK_ORDER = {"preferred": 0, "normal": 1}


# derived-<metric>-<region>-<reference>-<article id>-<as-of month or "undated">, lower case.
DERIVED_ID = re.compile(r"derived-.+?-(ru-[a-z]{2,3})-(ru-[a-z]{2,3})-.+")


def derived_regions(record_id: str) -> tuple[str, str] | None:
    """The region and reference region a derived multiplier's id names (None: not such an id)."""
    match = DERIVED_ID.fullmatch(record_id)
    return None if match is None else (match[1].upper(), match[2].upper())


def _first_article(record: dict[str, Any]) -> str:
    return str(record["sources"][0]["article"]["id"])


def _as_related(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["id"],
        "kind": record["kind"],
        "value": record["value"],
        "value_qualifier": record["value_qualifier"],
        "rank": record["rank"],
        "note": "input of the derivation",
        "article": record["sources"][0]["article"],
        "citation": record["citation"],
    }


def derive_multipliers(
    rates: Iterable[dict[str, Any]], reference: str, region: str | None = None
) -> list[dict[str, Any]]:
    """Region rate / reference rate, only within one source article, metric and as-of month."""
    groups: dict[tuple[str, str, str | None], list[dict[str, Any]]] = defaultdict(list)
    for rate in rates:
        if (
            rate["region"] is not None
            and rate["value"] is not None
            and rate["rank"] != "deprecated"
            and rate["metric"] in RATIO_OF_RATE
        ):
            groups[(_first_article(rate), rate["metric"], rate["as_of"])].append(rate)
    derived: list[dict[str, Any]] = []
    for (article_id, metric, as_of), members in sorted(groups.items(), key=lambda g: str(g[0])):
        base = next((r for r in members if r["region"]["code"] == reference), None)
        if base is None or not base["value"]:
            continue
        for rate in members:
            code = rate["region"]["code"]
            if code == reference or (region is not None and code != region):
                continue
            derived.append(_multiplier(rate, base, article_id, metric, as_of))
    return derived


def _multiplier(
    rate: dict[str, Any], base: dict[str, Any], article_id: str, metric: str, as_of: str | None
) -> dict[str, Any]:
    ratio = rate["value"] / base["value"]
    formula = f"{rate['value']:g} / {base['value']:g} = {ratio:.2f}"
    unit = rate["unit"] or metric
    derived_metric = RATIO_OF_RATE[metric]
    sources = rate["sources"] + [s for s in base["sources"] if s not in rate["sources"]]
    notes = [r["uncertainty_note"] for r in (rate, base) if r["uncertain"]]
    return {
        "id": f"derived-{metric}-{rate['region']['code']}-{base['region']['code']}-"
        f"{article_id}-{as_of or 'undated'}".lower(),
        "kind": "risk",
        "statement": (
            f"Derived: {rate['region']['name']} {rate['value']:g} vs "
            f"{base['region']['name']} {base['value']:g} {unit}"
            f"{f' ({as_of})' if as_of else ''}: {ratio:.1f} times."
        ),
        "value": round(ratio, 2),
        "value_low": None,
        "value_high": None,
        "value_qualifier": "approximate",
        "unit": Unit.times.value,
        "unit_label": Unit.times.label,
        "region": rate["region"],
        "rank": "normal",
        "rank_reason": None,
        "uncertain": bool(notes),
        "uncertainty_note": " / ".join(notes) or None,
        "derived": True,
        "derivation": f"{rate['region']['code']} rate / {base['region']['code']} rate, both "
        f"{metric} from {article_id}: {formula}",
        "sources": sources,
        "citation": rate["citation"],
        "corroborated_by": [],
        "contradicted_by": [],
        "derived_from": [_as_related(rate), _as_related(base)],
        "independent_sources": 1,
        "created_at": max(rate["created_at"], base["created_at"]),
        "updated_at": max(rate["updated_at"], base["updated_at"]),
        "risk_type": "multiplier",
        "metric": derived_metric.value,
        "metric_label": derived_metric.label,
        "reference_region": base["region"],
        "reference_label": None,
        "as_of": as_of,
        "as_of_precision": rate["as_of_precision"],
        "as_of_label": rate["as_of_label"],
        "formula": formula,
        "inputs": [rate, base],
    }


def series_points(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One point per month and offence set from the best-ranked records.

    Preferred records beat normal ones; deprecated never appear. Records of the best rank that
    agree make one point (the others show up as its corroborations); records that disagree are
    each returned, flagged ``conflict``.
    """
    by_month: dict[tuple[str, tuple[int, ...]], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        if record["rank"] in RANK_ORDER:
            key = (record["period_start"], tuple(record["criminal_code_articles"]))
            by_month[key].append(record)
    points: list[dict[str, Any]] = []
    for (month, _articles), candidates in sorted(by_month.items()):
        best = min(RANK_ORDER[c["rank"]] for c in candidates)
        top = sorted(
            (c for c in candidates if RANK_ORDER[c["rank"]] == best),
            key=lambda c: (-c["independent_sources"], -len(c["corroborated_by"]), c["id"]),
        )
        shown = [cluster[0] for cluster in _agreeing_clusters(top)]
        for record in shown:
            others = [c["id"] for c in shown if c["id"] != record["id"]]
            points.append(_point(month, record, conflict=len(shown) > 1, others=others))
    return points


def _agrees(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Same value, or one is recorded as corroborating the other (e.g. a rounding of it)."""
    same = (a["value"], a["value_low"], a["value_high"]) == (
        b["value"],
        b["value_low"],
        b["value_high"],
    )
    linked = b["id"] in {r["id"] for r in a["corroborated_by"]}
    return same or linked


def _agreeing_clusters(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    clusters: list[list[dict[str, Any]]] = []
    for record in records:
        home = next((c for c in clusters if any(_agrees(record, m) for m in c)), None)
        if home is None:
            clusters.append([record])
        else:
            home.append(record)
    return clusters


def _point(month: str, record: dict[str, Any], conflict: bool, others: list[str]) -> dict[str, Any]:
    return {
        "month": month,
        "value": record["value"],
        "value_low": record["value_low"],
        "value_high": record["value_high"],
        "value_qualifier": record["value_qualifier"],
        "record_id": record["id"],
        "rank": record["rank"],
        "criminal_code_articles": record["criminal_code_articles"],
        "sources": record["sources"],
        "citation": record["citation"],
        "corroborated_by": record["corroborated_by"],
        "independent_sources": record["independent_sources"],
        "conflict": conflict,
        "conflicting_record_ids": others,
    }
