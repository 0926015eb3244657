"""Figures computed from stored records: regional multipliers derived from rates, and chart
series of court statistics. Nothing here is stored; every output names its inputs."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from app.provenance import CitationGraph
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
        "relation": "derived_from",
        "outgoing": True,
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


def broadest_offence(records: Iterable[dict[str, Any]]) -> tuple[int, ...] | None:
    """The offence set a series shows by default: the total, never its parts.

    Among the sets of Criminal Code articles the records name, the broadest is the one with the
    most articles (332, 337 and 338 together before 337 alone); a tie goes to the set covering
    more months, then to the lower articles. A record naming no article is a scope that cannot
    be compared, so it is never chosen: it appears only folded into the point it relays.
    """
    months: dict[tuple[int, ...], set[str]] = defaultdict(set)
    for record in records:
        if record["criminal_code_articles"]:
            months[tuple(record["criminal_code_articles"])].add(record["period_start"])
    if not months:
        return None
    return min(months, key=lambda s: (-len(s), -len(months[s]), s))


def series_points(
    records: Iterable[dict[str, Any]], offence: tuple[int, ...], graph: CitationGraph
) -> list[dict[str, Any]]:
    """One point per month for the records counting exactly ``offence``.

    A relay or a translation of a count (linked ``relays`` / ``translation_of``, or linked
    ``corroborates`` while its source chain shares an upstream with the other's: see
    ``_relay_chains``) folds into the point of its upstream and is listed as its corroboration,
    whatever offences it names; it adds no independent source. Preferred records beat normal
    ones; deprecated never appear. Independent chains of the best rank that agree make one
    point; where they disagree, each is returned, flagged ``conflict``.
    """
    live = [r for r in records if r["rank"] in RANK_ORDER]
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in live:
        by_month[record["period_start"]].append(record)
    points: list[dict[str, Any]] = []
    for month, candidates in sorted(by_month.items()):
        chains = [
            chain
            for chain in _relay_chains(candidates, graph)
            if tuple(chain[0]["criminal_code_articles"]) == offence
        ]
        if not chains:
            continue
        best = min(RANK_ORDER[chain[0]["rank"]] for chain in chains)
        top = [chain for chain in chains if RANK_ORDER[chain[0]["rank"]] == best]
        shown = _agreeing_clusters(top)
        heads = [cluster[0][0]["id"] for cluster in shown]
        for cluster in shown:
            head, *rest = [record for chain in cluster for record in chain]
            others = [h for h in heads if h != head["id"]]
            points.append(_point(month, head, rest, conflict=len(shown) > 1, others=others))
    return points


def _roots(record: dict[str, Any], graph: CitationGraph) -> frozenset[str]:
    return frozenset().union(*(graph.roots(s["article"]["id"]) for s in record["sources"]))


REPEATS = frozenset({"relays", "translation_of"})  # links that repeat the other's count


def _same_chain(record: dict[str, Any], other: dict[str, Any], roots: dict[str, Any]) -> bool:
    """Whether a link of ``corroborated_by`` joins two records of one source chain: it is
    stated as a relay or a translation, or it is a ``corroborates`` whose articles share an
    upstream in the citation graph."""
    if other["relation"] in REPEATS:
        return True
    return bool(roots[record["id"]] & roots[other["id"]])


def _relay_chains(
    records: list[dict[str, Any]], graph: CitationGraph
) -> list[list[dict[str, Any]]]:
    """Records of one source chain grouped, each group headed by its upstream: a record that
    relays or translates another of the group never heads it; then the best rank, then a
    record whose own article starts its chain (the original count, not a retelling), then the
    one naming its offences.

    The explicit links (``relays``, ``translation_of``) say it outright. The citation graph is
    still read for ``corroborates`` links: two records whose articles share an upstream (a
    newspaper citing Mediazona) are one chain whatever the link is called, and
    ``independent_sources`` already counts them as one (app.present.record); a point that
    counted them as two, or flagged them as a conflict, would contradict its own record. It
    also keeps a relay that is not yet linked as such (only ``corroborates``) folded.
    """
    roots = {r["id"]: _roots(r, graph) for r in records}
    by_id = {r["id"]: r for r in records}
    group = {r["id"]: r["id"] for r in records}

    def find(record_id: str) -> str:
        while group[record_id] != record_id:
            record_id = group[record_id]
        return record_id

    for record in records:
        for other in record["corroborated_by"]:
            if other["id"] in by_id and _same_chain(record, other, roots):
                group[find(other["id"])] = find(record["id"])
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        members[find(record["id"])].append(record)

    def upstream_first(record: dict[str, Any]) -> tuple[bool, int, bool, bool, str]:
        own = {s["article"]["id"] for s in record["sources"]}
        repeats = {
            other["id"]
            for other in record["corroborated_by"]
            if other["relation"] in REPEATS and other["outgoing"]
        }
        return (
            bool(repeats & by_id.keys()),
            RANK_ORDER[record["rank"]],
            not own & roots[record["id"]],
            not record["criminal_code_articles"],
            record["id"],
        )

    return sorted((sorted(m, key=upstream_first) for m in members.values()), key=_chain_order)


def _chain_order(chain: list[dict[str, Any]]) -> tuple[int, int, str]:
    head = chain[0]
    return (-head["independent_sources"], -len(chain), head["id"])


def _agrees(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Same value, or one is recorded as corroborating the other (e.g. a rounding of it)."""
    same = (a["value"], a["value_low"], a["value_high"]) == (
        b["value"],
        b["value_low"],
        b["value_high"],
    )
    linked = b["id"] in {r["id"] for r in a["corroborated_by"]}
    return same or linked


def _agreeing_clusters(
    chains: list[list[dict[str, Any]]],
) -> list[list[list[dict[str, Any]]]]:
    """Independent chains grouped by agreement of their heads."""
    clusters: list[list[list[dict[str, Any]]]] = []
    for chain in chains:
        home = next((c for c in clusters if any(_agrees(chain[0], m[0]) for m in c)), None)
        if home is None:
            clusters.append([chain])
        else:
            home.append(chain)
    return clusters


def _point(
    month: str,
    record: dict[str, Any],
    folded: list[dict[str, Any]],
    conflict: bool,
    others: list[str],
) -> dict[str, Any]:
    return {
        "month": month,
        "period_label": record["period_label"],
        "value": record["value"],
        "value_low": record["value_low"],
        "value_high": record["value_high"],
        "value_qualifier": record["value_qualifier"],
        "unit": record["unit"],
        "unit_label": record["unit_label"],
        "record_id": record["id"],
        "rank": record["rank"],
        "criminal_code_articles": record["criminal_code_articles"],
        "source_url": record["sources"][0]["article"]["url"],
        "sources": record["sources"],
        "citation": record["citation"],
        "corroborated_by": record["corroborated_by"],
        "corroborating_record_ids": [r["id"] for r in folded],
        "independent_sources": record["independent_sources"],
        "conflict": conflict,
        "conflicting_record_ids": others,
    }
