"""Controlled vocabularies. Each value is documented because it ends up in the OpenAPI schema and
in the data package: a figure is only comparable with another of the same measure and basis."""

from enum import StrEnum


class Measure(StrEnum):
    """What a court statistic counts. Never mix two measures in one series."""

    cases_received = "cases_received"  # criminal cases received by (military) courts
    cases_heard = "cases_heard"  # cases heard / considered by courts in the period
    sentences = "sentences"  # sentences (verdicts) handed down
    persons_convicted = "persons_convicted"
    persons_charged = "persons_charged"
    official_cases_considered = (
        "official_cases_considered"  # Judicial Department of the Supreme Court
    )
    official_persons_convicted = (
        "official_persons_convicted"  # Judicial Department of the Supreme Court
    )


class RateBasis(StrEnum):
    """How the value relates to the period."""

    per_month = "per_month"
    per_week = "per_week"
    per_working_day = "per_working_day"
    per_day = "per_day"
    total = "total"  # the total over the whole period (a running total is a total since its start)


class ValueQualifier(StrEnum):
    """How exact the value is, as the source words it."""

    exact = "exact"
    approximate = "approximate"  # "around 800", "nearly 2,300"
    at_least = "at_least"  # "at least 100"
    more_than = "more_than"  # "more than 400", "over 3,500"
    less_than = "less_than"
    range = "range"  # "between 20% and 30%": value_low and value_high are set


class Rank(StrEnum):
    """Wikidata-style rank: which of several values to prefer."""

    preferred = "preferred"
    normal = "normal"
    deprecated = "deprecated"  # kept so it can be looked up, hidden from lists by default


class ClaimKind(StrEnum):
    statistic = "statistic"
    quote = "quote"
    event = "event"
    assessment = "assessment"


class RiskType(StrEnum):
    multiplier = "multiplier"  # the region's metric is N times the reference region's
    rate = "rate"  # a plain regional rate, e.g. deaths per 10,000 men
    # A number of people or cases in the region, not a multiplier or a rate. Named ``count_``
    # (as ``from_`` elsewhere) because a ``count`` member would hide ``str.count`` on every value.
    count_ = "count"
    share = "share"  # a share (percent) of a national total


class Precision(StrEnum):
    """How much of a date the source gives."""

    minute = "minute"
    day = "day"
    month = "month"
    year = "year"


class RecordRelationKind(StrEnum):
    corroborates = "corroborates"
    contradicts = "contradicts"
    derived_from = "derived_from"


class CitationRelation(StrEnum):
    cites = "cites"  # names the other article as the source of a statement
    via = "via"  # relays, retells or translates the other article


# Formats of months and region codes, defined once: the query parameters' OpenAPI patterns, their
# error messages (errors.PATTERN_NAMES) and the seed's validation (schemas.inputs) all use these.
MONTH_PATTERN = r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"  # years 1000-9999: every one a valid date
# Free text in a query or path: anything but NUL, which PostgreSQL text cannot hold.
TEXT_PATTERN = r"^[^\x00]*$"
REGION_PATTERN = r"^RU-[A-Z]{2,3}$"
