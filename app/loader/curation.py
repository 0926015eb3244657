"""The machine-checkable rules of the curation standard (docs/curation.md), run by the seed
reader over every record once the set is parsed and its references resolved.

Each rule is a function of the whole set returning its problems, one line each, naming the file,
the record (or the relation), the field and the reason, like every other refusal of the loader.
They are kept apart from ``reading`` because they judge what a record *says* against its
evidence and its neighbours, where ``reading`` checks that the seed is well formed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from app.families.claim import ClaimIn
from app.families.risk import RiskIn
from app.families.sentence import SentenceIn
from app.loader.numbers import Reading, readings_of
from app.schemas.inputs import ArticleIn
from app.vocab import Precision, RecordRelationKind, ValueQualifier

if TYPE_CHECKING:  # reading runs these rules: importing it at run time would be circular
    from app.loader.reading import PlannedRecord as Planned

AnyRecord = SentenceIn | RiskIn | ClaimIn
Rule = Callable[[dict[str, ArticleIn], dict[str, "Planned"]], list[str]]


def _where(planned: Planned) -> str:
    return f"{planned.file}: record {planned.model.id}"


def _last_month(model: AnyRecord) -> tuple[date, str] | None:
    """The last month a record covers and the field that gives it."""
    if isinstance(model, RiskIn):
        return None if model.as_of is None else (model.as_of, "as_of")
    if model.period is None:
        return None
    return model.period.end, "period.end"


def _published_month(article: ArticleIn) -> tuple[date, bool] | None:
    """The first day of the article's publication month (of its year, when only the year is
    known), and whether only the year is."""
    published = article.published
    if published is None:
        return None
    day = published.date() if isinstance(published, datetime) else published
    if article.published_precision is Precision.year:
        return date(day.year, 12, 1), True
    return day.replace(day=1), False


def period_within_publication(
    articles: dict[str, ArticleIn], records: dict[str, Planned]
) -> list[str]:
    """A record cannot cover a month after its article was published: "around 800 a month in
    2024" in an article of 2 October 2024 covers January to October at most."""
    problems = []
    for planned in records.values():
        article = articles.get(planned.article_id)  # none: a package's record of a stub
        last = _last_month(planned.model)
        published = None if article is None else _published_month(article)
        if last is None or published is None:
            continue
        (end, field), (month, year_only) = last, published
        if end > month:
            shown = f"{month:%Y}" if year_only else f"{month:%Y-%m}"
            problems.append(
                f"{_where(planned)}: field {field}: {end:%Y-%m} is after the article's "
                f"publication ({shown}); a period ends at the latest in the month it is "
                "published (flag an assumed end with end_assumed)"
            )
    return problems


def _stated(model: AnyRecord) -> list[tuple[str, float]]:
    """The values a record states: (field, value) for value, or value_low and value_high."""
    ends: list[tuple[str, float | None]] = [("value", model.value)]
    if model.value_qualifier is ValueQualifier.range:
        ends = [("value_low", model.value_low), ("value_high", model.value_high)]
    return [(field, value) for field, value in ends if value is not None]


def _readings(model: AnyRecord, value: float) -> list[Reading]:
    """How the record's quotes state ``value``: in the original quotes when they do, in our
    English glosses (quote_en) only when no original does, since a gloss is our wording."""
    original = [r for e in model.evidence for r in readings_of(value, e.quote)]
    if original:
        return original
    return [r for e in model.evidence if e.quote_en for r in readings_of(value, e.quote_en)]


def _shown(value: float) -> str:
    return f"{value:g}" if not value.is_integer() else f"{int(value)}"


def value_in_quote(_articles: dict[str, ArticleIn], records: dict[str, Planned]) -> list[str]:
    """A value is stated by a quote (or derived, with its formula): a figure no quote states
    is one we made up, however plausible."""
    problems = []
    for planned in records.values():
        if planned.model.derived is not None:
            continue
        for field, value in _stated(planned.model):
            if not _readings(planned.model, value):
                problems.append(
                    f"{_where(planned)}: field {field}: {_shown(value)} is not stated by any of "
                    "its quotes (quote or quote_en); quote the words that state it, or give "
                    "derived: {from, rule}"
                )
    return problems


def precision_as_worded(_articles: dict[str, ArticleIn], records: dict[str, Planned]) -> list[str]:
    """The qualifier follows the quote's wording: a value the quote gives only through a
    multiplier word ("5,2mila", "11,7 тысячи") is rounded, never exact; one it gives only next
    to a qualifying word takes the qualifier that word implies ("about" approximate, "over"
    more_than, "at least" at_least)."""
    problems = []
    for planned in records.values():
        model = planned.model
        if model.derived is not None or model.value is None or model.value_qualifier is None:
            continue
        readings = _readings(model, model.value)
        if not readings or any(reading.plain for reading in readings):
            continue
        implied = {r.qualifier for r in readings if r.qualifier is not None}
        only_multiplied = any(r.qualifier is None for r in readings)
        if model.value_qualifier in implied or (
            only_multiplied and model.value_qualifier is not ValueQualifier.exact
        ):
            continue
        reading = readings[0]
        if reading.qualifier is not None:
            reason = (
                f"the quote says {reading.word!r} {_shown(model.value)}: value_qualifier "
                f"{reading.qualifier.value}, not {model.value_qualifier.value}"
            )
        else:
            reason = (
                f"the quote gives {_shown(model.value)} only as a rounded {reading.multiplier!r} "
                "figure: not exact (approximate, or the qualifier its words imply)"
            )
        problems.append(f"{_where(planned)}: field value_qualifier: {reason}")
    return problems


SAME_FIGURE = frozenset(
    {
        RecordRelationKind.corroborates,
        RecordRelationKind.relays,
        RecordRelationKind.translation_of,
    }
)
REPEATS = frozenset({RecordRelationKind.relays, RecordRelationKind.translation_of})


def _what(model: AnyRecord) -> str:
    """What a record counts: its measure and rate basis, or its metric (and a risk's type)."""
    if isinstance(model, SentenceIn):
        return f"measure {model.measure.value} ({model.rate_basis.value})"
    if isinstance(model, RiskIn):
        return f"metric {model.metric.value} ({model.risk_type.value})"
    metric = f"metric {model.metric.value if model.metric else 'none'}"
    return f"{metric} ({model.rate_basis.value})" if model.rate_basis else metric


def _period(model: AnyRecord) -> str:
    if isinstance(model, RiskIn):
        return "as_of none" if model.as_of is None else f"as_of {model.as_of:%Y-%m}"
    if model.period is None:
        return "no period"
    return f"period {model.period.start:%Y-%m}..{model.period.end:%Y-%m}"


def _region(model: AnyRecord) -> str:
    """Where: the region (none is Russia as a whole) and a multiplier's reference region."""
    shown = f"region {model.region or 'national'}"
    if isinstance(model, RiskIn) and model.reference_region:
        shown += f" against {model.reference_region}"
    return shown


def _offences(model: AnyRecord) -> tuple[int, ...]:
    if not isinstance(model, SentenceIn):
        return ()
    return tuple(sorted(set(model.criminal_code_articles)))


def _differences(a: Planned, b: Planned) -> list[str]:
    """How two records differ in what they count (empty: the same figure could be both).

    Offences are compared only when both records name them: a record naming none says its
    quote does not name them (The Barents Observer's "684 such sentences" relaying Mediazona's
    Art. 337 count), not that it counts other offences, and asking the curator to add articles
    the quote does not state would break the rule "as stated"."""
    if a.kind != b.kind:
        return [f"a {a.kind} and a {b.kind}"]
    found = [
        f"{of(a.model)} vs {of(b.model)}"
        for of in (_what, _period, _region)
        if of(a.model) != of(b.model)
    ]
    mine, theirs = _offences(a.model), _offences(b.model)
    if mine and theirs and mine != theirs:
        found.append(f"offences {','.join(map(str, mine))} vs {','.join(map(str, theirs))}")
    return found


def _tolerance(value: float, qualifier: ValueQualifier | None) -> float:
    """How far an approximate value may be from the count it rounds: half of its last
    significant place (700 is 684 rounded to hundreds: within 50)."""
    if qualifier is not ValueQualifier.approximate:
        return 0.0
    if not value.is_integer():
        decimals = len(f"{value:g}".split(".")[1]) if "." in f"{value:g}" else 0
        return 0.5 * 10.0**-decimals
    whole = int(abs(value))
    zeros = len(str(whole)) - len(str(whole).rstrip("0")) if whole else 0
    return 0.5 * 10.0**zeros


def compatible(repeating: AnyRecord, upstream: AnyRecord) -> bool:
    """Whether ``repeating`` states ``upstream``'s count: the same value or range, or a value
    that its own qualifier allows ("approximately 700" for 684, "more than 600" for 684)."""
    if (repeating.value, repeating.value_low, repeating.value_high) == (
        upstream.value,
        upstream.value_low,
        upstream.value_high,
    ):
        return True
    mine, theirs = repeating.value, upstream.value
    if theirs is None:
        return False
    qualifier = repeating.value_qualifier
    low, high = repeating.value_low, repeating.value_high
    if qualifier is ValueQualifier.range:
        return low is not None and high is not None and low <= theirs <= high
    if mine is None:
        return False
    if qualifier is ValueQualifier.more_than:
        return theirs > mine
    if qualifier is ValueQualifier.at_least:
        return theirs >= mine
    if qualifier is ValueQualifier.less_than:
        return theirs < mine
    return math.isclose(mine, theirs) or abs(mine - theirs) <= _tolerance(mine, qualifier)


def relations_compare_like(
    _articles: dict[str, ArticleIn], records: dict[str, Planned]
) -> list[str]:
    """A relation joins figures that can be compared: corroborates, relays and translation_of
    only the same figure (family, measure or metric, period, region, offences), relays and
    translation_of with a value the relaying record's wording allows; contradicts only records
    of the same measure, period and scope whose values truly differ. derived_from is exempt: a
    derivation's inputs are other figures by definition."""
    problems = []
    for planned in records.values():
        for relation in planned.relations:
            kind = relation.relation
            if kind is RecordRelationKind.derived_from:
                continue
            other = records[relation.to]
            link = f"{relation.from_} {kind.value} {relation.to}"
            where = f"{planned.file}: relation {link}: field relation"
            differences = _differences(planned, other)
            if differences:
                problems.append(
                    f"{where}: {kind.value} joins only the same figure, but these differ: "
                    f"{'; '.join(differences)}"
                )
            elif kind in REPEATS and not compatible(planned.model, other.model):
                problems.append(
                    f"{where}: {_value(planned.model)} does not repeat {_value(other.model)}; "
                    f"a {kind.value} states the same count (or its rounding, as its "
                    "value_qualifier says)"
                )
            elif kind is RecordRelationKind.contradicts and (
                compatible(planned.model, other.model) or compatible(other.model, planned.model)
            ):
                problems.append(
                    f"{where}: {_value(planned.model)} and {_value(other.model)} agree (the same "
                    "value, or within the stated approximation); contradicts only what truly "
                    "disagrees"
                )
    return problems


def _value(model: AnyRecord) -> str:
    if model.value_qualifier is ValueQualifier.range:
        return f"{_shown(model.value_low or 0)}-{_shown(model.value_high or 0)}"
    shown = "no value" if model.value is None else _shown(model.value)
    qualifier = model.value_qualifier
    return shown if qualifier in (None, ValueQualifier.exact) else f"{shown} ({qualifier.value})"


# Every rule, by the name docs/curation.md gives it.
RULES: dict[str, Rule] = {
    "period": period_within_publication,
    "value": value_in_quote,
    "precision": precision_as_worded,
    "relations": relations_compare_like,
}
