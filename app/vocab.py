"""Controlled vocabularies. Each value is documented because it ends up in the OpenAPI schema and
in the data package: a figure is only comparable with another of the same measure and basis.

The vocabularies a reader sees on a record (measure, metric, unit, claim kind) carry a human
label beside each value, here and nowhere else: ``Measure.sentences.label`` is what the API
shows as ``measure_label``."""

from enum import StrEnum
from typing import Self, TypeVar


class Labelled(StrEnum):
    """A vocabulary whose members carry a label: ``member = "value", "Label"``."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


L = TypeVar("L", bound="Labelled")


def member(vocabulary: type[L], value: str) -> L:
    """The member of ``vocabulary`` whose value is ``value`` (a stored string): a dict lookup,
    not the enum's call machinery (a page of records asks a few hundred times); a value the
    vocabulary lacks raises ValueError as the call does."""
    found = vocabulary._value2member_map_.get(value)
    return found if found is not None else vocabulary(value)  # type: ignore[return-value]


def label(vocabulary: type[Labelled], value: str | None) -> str | None:
    """The label of ``value`` (a stored string) in ``vocabulary``; None for no value."""
    return None if value is None else member(vocabulary, value).label


class Unit(Labelled):
    """What one of a record's value is. A measure or metric has one unit; how the value relates
    to its period (per day, per month, in total) is ``rate_basis``, not part of the unit. A count
    is served as an integer when its value is whole (an average of a count may not be)."""

    # A number of things (served as an integer), not a share, ratio or rate. Not ``count``: that
    # would hide ``str.count`` on every value.
    is_count: bool

    def __new__(cls, value: str, label: str = "", is_count: bool = False) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.is_count = is_count
        return member

    cases = "cases", "criminal cases", True
    sentences = "sentences", "sentences (verdicts) handed down", True
    people = "people", "people", True  # persons charged or convicted, deserters, residents, ...
    deaths = "deaths", "deaths", True  # war deaths (named, verified or estimated: see the metric)
    requests = "requests", "requests for help", True
    decisions = "decisions", "court decisions published", True
    stories = "stories", "published stories", True
    percent = "percent", "percent"  # of what: the metric says
    times = "times", "times (a multiplier)"  # against what: the reference or the metric says
    deaths_per_10000_men = "deaths_per_10000_men", "deaths per 10,000 men"


def whole(value: float | None, unit: str | None) -> float | int | None:
    """``value`` as an integer when ``unit`` is a count and the value is whole (684, not
    684.0); otherwise unchanged. The one place the API decides how a number is shown."""
    if (
        value is not None
        and unit is not None
        and member(Unit, unit).is_count
        and value.is_integer()
    ):
        return int(value)
    return value


class Measure(Labelled):
    """What a court statistic counts. Never mix two measures in one series."""

    # What one of the value is: a measure has one unit (the loader refuses any other).
    unit: Unit
    # What exactly is counted, and at which step of a case: shown in the OpenAPI description of
    # the values and quoted by docs/curation.md, so a curator picks the measure the quote states.
    definition: str

    def __new__(cls, value: str, label: str = "", unit: str = "", definition: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.unit = Unit(unit)
        member.definition = definition
        return member

    cases_opened = (
        "cases_opened",
        "Criminal cases opened",
        "cases",
        "Criminal cases opened (initiated) by investigators (the Investigative Committee or "
        "military prosecutors), before any case reaches a court: 'cases opened', 'возбуждено "
        "дел'.",
    )
    cases_received = (
        "cases_received",
        "Cases received by courts",
        "cases",
        "Criminal cases that reached (were received by, were filed with) a court, usually a "
        "garrison military court, in the period: the first step of a case in court. "
        "'Поступило дел', 'cases sent to court'.",
    )
    cases_heard = (
        "cases_heard",
        "Cases heard by courts",
        "cases",
        "Criminal cases a court heard (considered, examined) in the period, whatever the outcome; "
        "'рассмотрено дел'.",
    )
    sentences = (
        "sentences",
        "Sentences handed down",
        "sentences",
        "Sentences (verdicts) a court handed down in the period: each ends a case with a "
        "sentence; 'вынесено приговоров'.",
    )
    persons_convicted = (
        "persons_convicted",
        "Persons convicted",
        "people",
        "People a court found guilty in the period, counted once per person (a case can "
        "convict several people); 'осуждено'.",
    )
    persons_charged = (
        "persons_charged",
        "Persons charged",
        "people",
        "People formally charged or prosecuted (accused, defendants) in the period, before or "
        "without a verdict; 'обвиняемые', 'prosecuted'.",
    )
    official_cases_considered = (
        "official_cases_considered",
        "Cases considered (Judicial Department, official)",
        "cases",
        "Cases the courts considered, as the Judicial Department of the Supreme Court publishes "
        "them in its official statistics (not counted by journalists from court websites).",
    )
    official_persons_convicted = (
        "official_persons_convicted",
        "Persons convicted (Judicial Department, official)",
        "people",
        "People convicted, as the Judicial Department of the Supreme Court publishes them in its "
        "official statistics (not counted by journalists from court websites).",
    )


Measure.__doc__ = (
    "What a court statistic counts. Never mix two measures in one series.\n\n"
    + "\n".join(f"- {m.value}: {m.definition}" for m in Measure)
)


class RateBasis(StrEnum):
    """How the value relates to the period."""

    per_month = "per_month"
    per_week = "per_week"
    per_working_day = "per_working_day"
    per_day = "per_day"
    total = "total"  # the total over the whole period (a running total is a total since its start)


class Granularity(StrEnum):
    """How long a figure's period is, from its first and last month: what a reader asking about
    one month wants first (a monthly count, not a multi-year total that happens to include it)."""

    month = "month"  # a single month
    year = "year"  # more than one month, within one calendar year ("2024", "Jan–Jul 2024")
    multi_year = "multi_year"  # across calendar years ("Sep 2022 – May 2025")


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


class ClaimKind(Labelled):
    """What a claim is."""

    statistic = "statistic", "Statistic"  # a figure
    quote = "quote", "Quotation"  # what someone said, in their words
    event = "event", "Event"  # something that happened
    assessment = "assessment", "Assessment"  # a judgement: a record, a trend, a comparison


class Metric(Labelled):
    """What a regional risk or a numeric claim measures. The seed names a closed set, so it is a
    vocabulary: a new metric is added here, with its label, before a seed file can use it."""

    awol_cases_by_region = "awol_cases_by_region", "AWOL cases (Art. 337) by region"
    awol_cases_ratio_to_earlier_year = (
        "awol_cases_ratio_to_earlier_year",
        "AWOL cases (Art. 337) against an earlier year",
    )
    convictions_servicemen_all_crimes = (
        "convictions_servicemen_all_crimes",
        "Servicemen convicted of any crime",
    )
    court_decisions_published = "court_decisions_published", "Court decisions published"
    deserters_abroad = "deserters_abroad", "Deserters abroad"
    deserters_counselled = "deserters_counselled", "Deserters counselled"
    deserters_estimated = "deserters_estimated", "Deserters (estimate)"
    deserters_helped = "deserters_helped", "Deserters helped"
    desertion_attempts_recorded = "desertion_attempts_recorded", "Desertion attempts recorded"
    desertion_cases_ratio_to_earlier_year = (
        "desertion_cases_ratio_to_earlier_year",
        "Desertion cases (Art. 338) against an earlier year",
    )
    desertion_requests = "desertion_requests", "Requests for help with desertion"
    military_service_cases_ratio_to_earlier_period = (
        "military_service_cases_ratio_to_earlier_period",
        "Military-service cases against an earlier period",
    )
    military_service_cases_ratio_to_earlier_year = (
        "military_service_cases_ratio_to_earlier_year",
        "Military-service cases against an earlier year",
    )
    mobilisation_rate = "mobilisation_rate", "Mobilisation rate"
    people_helped_avoid_army = "people_helped_avoid_army", "People helped to avoid the army"
    people_helped_total = "people_helped_total", "People helped (all kinds of help)"
    population = "population", "Population"
    requests_for_help = "requests_for_help", "Requests for help"
    share_awol_of_military_service_cases = (
        "share_awol_of_military_service_cases",
        "Share of military-service cases that are AWOL",
    )
    share_custodial_sentences_contract = (
        "share_custodial_sentences_contract",
        "Share of contract soldiers' sentences that are custodial",
    )
    share_custodial_sentences_mobilised = (
        "share_custodial_sentences_mobilised",
        "Share of mobilised soldiers' sentences that are custodial",
    )
    share_of_national_population = "share_of_national_population", "Share of Russia's population"
    share_of_regional_war_deaths_ethnic_minorities = (
        "share_of_regional_war_deaths_ethnic_minorities",
        "Share of a region's war deaths from ethnic minorities",
    )
    share_of_war_deaths = "share_of_war_deaths", "Share of Russia's war deaths"
    share_of_war_deaths_rural_small_towns = (
        "share_of_war_deaths_rural_small_towns",
        "Share of war deaths from rural areas and small towns",
    )
    share_stayed_in_russia = "share_stayed_in_russia", "Share of deserters who stayed in Russia"
    share_went_abroad = "share_went_abroad", "Share of deserters who went abroad"
    suspended_sentences_among_published = (
        "suspended_sentences_among_published",
        "Suspended sentences among published decisions",
    )
    war_death_rate = "war_death_rate", "War death rate"
    war_deaths_estimated_national = (
        "war_deaths_estimated_national",
        "War deaths in Russia (estimate)",
    )
    war_deaths_named = "war_deaths_named", "War deaths known by name"
    war_deaths_named_national = "war_deaths_named_national", "War deaths in Russia known by name"
    war_deaths_per_10000_men = "war_deaths_per_10000_men", "War deaths per 10,000 men"
    war_deaths_percent_of_residents = (
        "war_deaths_percent_of_residents",
        "War deaths as a percentage of residents",
    )


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
    """How a record relates to another (``from`` -> ``to`` in a seed file's relations)."""

    corroborates = "corroborates"  # an independent source states the same figure
    contradicts = "contradicts"  # the same measure, period and scope, a different value
    derived_from = "derived_from"  # the value is computed from the other record
    relays = "relays"  # repeats another outlet's count (the other record is its upstream)
    translation_of = "translation_of"  # the same count in another language edition


class CitationRelation(StrEnum):
    cites = "cites"  # names the other article as the source of a statement
    via = "via"  # relays, retells or translates the other article


# Formats of months and region codes, defined once: the query parameters' OpenAPI patterns, their
# error messages (errors.PATTERN_NAMES) and the seed's validation (schemas.inputs) all use these.
MONTH_PATTERN = r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"  # years 1000-9999: every one a valid date
# Free text in a query or path: anything but NUL, which PostgreSQL text cannot hold.
TEXT_PATTERN = r"^[^\x00]*$"
REGION_PATTERN = r"^RU-[A-Z]{2,3}$"
