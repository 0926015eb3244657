"""Reading the seed folder: parse every file with the input models, then check the set as a
whole (ids, regions, speakers, relations, derivations, quotes against snapshots).

The folder is treated as untrusted: files are bounded in size, duplicate YAML keys and anchors
are refused, an empty file is an error (removing an article takes removing its file), and every
path (YAML files, snapshots) must stay inside the seed folder, symlinks included.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from app.families import FAMILIES
from app.families.claim import ClaimIn
from app.families.risk import RiskIn
from app.families.sentence import SentenceIn
from app.loader.curation import RULES, Rule
from app.regions import russian_regions
from app.schemas.inputs import (
    ArticleIn,
    CitationIn,
    PeopleFile,
    RelationIn,
)
from app.schemas.seed_file import SeedFile

# Each family's list in a seed file, by its path: sentences, risks, claims.
FAMILY_LISTS: dict[str, str] = {family.path: kind for kind, family in FAMILIES.items()}
MAX_YAML_BYTES = 2 * 1024 * 1024  # one seed file; the largest today is ~20 KB
MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024  # one stored article text


class SeedError(Exception):
    """The seed cannot be loaded; ``problems`` name the file, the record and the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class PlannedRecord:
    kind: str
    model: SentenceIn | RiskIn | ClaimIn
    article_id: str
    file: str
    relations: list[RelationIn] = field(default_factory=list)
    verified: bool = False


@dataclass
class SeedSet:
    """Everything the seed folder says, validated and cross-checked, ready to write."""

    people: PeopleFile
    articles: dict[str, ArticleIn]
    stubs: dict[str, CitationIn]
    citations: dict[str, list[CitationIn]]
    records: dict[str, PlannedRecord]


_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'", "\u00a0": " "}
)


def fold(text: str) -> str:
    """Fold whitespace and typographic quotes so a quote matches its snapshot."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def content_hash(snapshot: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(snapshot).encode()).hexdigest()


def dump_model(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def _describe(errors: ValidationError, raw: Any, file: str) -> list[str]:
    """'file: record X: field y: reason' for each pydantic error."""
    problems = []
    for error in errors.errors():
        loc = list(error["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] in (*FAMILY_LISTS, "relations") and isinstance(loc[1], int):
            try:
                item = raw[loc[0]][loc[1]]
                label = item.get("id") or item.get("from") if isinstance(item, dict) else None
            except (KeyError, IndexError, TypeError):
                label = None
            where = f"record {label or f'{loc[0]}[{loc[1]}]'!s}: "
            loc = loc[2:]
        elif loc and loc[0] == "article":
            where, loc = "article: ", loc[1:]
        field_name = ".".join(str(part) for part in loc) or "(file)"
        problems.append(f"{file}: {where}field {field_name}: {error['msg']}")
    return problems


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last one
    silently) and anchors/aliases (which let a small file expand into a huge one)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not allowed",
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def one_line(text: object) -> str:
    """Any message folded onto one line (YAML and OS errors span several)."""
    return " ".join(str(text).split())


def inside(seed_dir: Path, path: Path) -> bool:
    """Whether ``path`` (symlinks followed) is within ``seed_dir``."""
    return path.resolve().is_relative_to(seed_dir.resolve())


def read_bounded(seed_dir: Path, path: Path, limit: int) -> bytes:
    """The bytes of ``path``, refusing a path outside ``seed_dir`` or a file over ``limit``."""
    if not inside(seed_dir, path):
        raise ValueError("resolves outside the seed folder")
    if not path.is_file():
        raise ValueError("missing or not a regular file")
    size = path.stat().st_size
    if size > limit:
        raise ValueError(f"{size} bytes, over the limit of {limit}")
    return path.read_bytes()


def _read_yaml(seed_dir: Path, path: Path, problems: list[str]) -> Any:
    """The parsed file, or None (with a problem) when it cannot be read or is empty."""
    try:
        text = read_bounded(seed_dir, path, MAX_YAML_BYTES).decode("utf-8")
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader
    except (OSError, ValueError, yaml.YAMLError, RecursionError) as exc:
        problems.append(f"{path.name}: not readable YAML: {one_line(exc)}")
        return None
    if data is None:
        problems.append(f"{path.name}: empty; to remove its records, remove the file")
    return data


def read_seed(seed_dir: Path, rules: Mapping[str, Rule] = RULES) -> SeedSet:
    """Parse and check the whole seed folder; raise SeedError listing every problem. ``rules``
    are the curation rules run once the set is well formed (app.loader.curation); pass fewer
    only to list each rule's refusals apart."""
    problems: list[str] = []
    people = PeopleFile()
    people_path = seed_dir / "people.yaml"
    if people_path.exists() or people_path.is_symlink():
        raw = _read_yaml(seed_dir, people_path, problems)
        try:
            people = PeopleFile.model_validate(raw or {})
        except ValidationError as exc:
            problems += _describe(exc, raw, people_path.name)
    if problems:  # every claim naming a speaker would also fail: report people.yaml alone
        raise SeedError(problems)

    articles: dict[str, ArticleIn] = {}
    stubs: dict[str, CitationIn] = {}
    citations: dict[str, list[CitationIn]] = {}
    records: dict[str, PlannedRecord] = {}
    relations: list[tuple[str, RelationIn]] = []
    files = sorted((seed_dir / "articles").glob("*.yaml"))
    if not files:
        problems.append(f"{seed_dir / 'articles'}: no *.yaml seed files")

    for path in files:
        raw = _read_yaml(seed_dir, path, problems)
        if raw is None:
            continue
        try:
            seed_file: Any = SeedFile.model_validate(raw)
        except ValidationError as exc:
            problems += _describe(exc, raw, path.name)
            continue
        article = seed_file.article
        if article.id in articles:
            problems.append(f"{path.name}: article {article.id}: id used by another file")
            continue
        if path.stem != article.id:
            problems.append(f"{path.name}: article id {article.id!r} differs from the file name")
        articles[article.id] = article
        snapshot_text = _snapshot_text(seed_dir, path, article, problems)
        for family, kind in FAMILY_LISTS.items():
            for model in getattr(seed_file, family):
                if model.id in records:
                    problems.append(f"{path.name}: record {model.id}: id used twice")
                    continue
                verified = False
                if snapshot_text is not None:
                    for number, evidence in enumerate(model.evidence):
                        if fold(evidence.quote) not in snapshot_text:
                            problems.append(
                                f"{path.name}: record {model.id}: field evidence.{number}.quote: "
                                "not found in the article snapshot"
                            )
                    verified = True
                records[model.id] = PlannedRecord(
                    kind, model, article.id, path.name, verified=verified
                )
        relations += [(path.name, relation) for relation in seed_file.relations]
        citations[article.id] = article.cites
        _collect_stubs(article.cites, path.name, stubs, citations, problems)

    _check_references(people, articles, stubs, records, relations, problems)
    _check_unique(people, articles, stubs, citations, records, problems)
    _check_units(records, problems)
    if not problems:  # the rules read relations and articles that must exist
        problems += [problem for rule in rules.values() for problem in rule(articles, records)]
    if problems:
        raise SeedError(problems)
    return SeedSet(people, articles, stubs, citations, records)


def _snapshot_text(
    seed_dir: Path, path: Path, article: ArticleIn, problems: list[str]
) -> str | None:
    """The folded text of the article's snapshot; the file must lie inside the seed folder
    (no absolute path, no ``..``, no symlink leading out), or its quotes would be "verified"
    against any file on the machine."""
    if article.snapshot is None:
        return None
    where = f"{path.name}: article: field snapshot.file"
    name = PurePath(article.snapshot.file)
    if name.is_absolute() or ".." in name.parts:
        problems.append(f"{where}: must be a path inside the seed folder (no '..', not absolute)")
        return None
    try:
        data = read_bounded(seed_dir, path.parent / name, MAX_SNAPSHOT_BYTES)
    except (OSError, ValueError) as exc:
        problems.append(f"{where}: {article.snapshot.file!r}: {one_line(exc)}")
        return None
    if hashlib.sha256(data).hexdigest() != article.snapshot.sha256:
        problems.append(f"{path.name}: article: field snapshot.sha256: does not match the file")
        return None
    try:
        return fold(data.decode("utf-8"))
    except UnicodeDecodeError:
        problems.append(f"{where}: {article.snapshot.file!r} is not UTF-8 text")
        return None


def snapshot_texts(seed_dir: Path) -> dict[str, str]:
    """Folded article snapshots under ``seed_dir/articles`` by sha256: what ``import`` checks
    a package's quotes against (it never trusts their ``verified`` flag)."""
    texts: dict[str, str] = {}
    folder = seed_dir / "articles"
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        if path.suffix == ".yaml" or path.is_symlink():
            continue
        try:
            data = read_bounded(seed_dir, path, MAX_SNAPSHOT_BYTES)
            texts[hashlib.sha256(data).hexdigest()] = fold(data.decode("utf-8"))
        except (OSError, ValueError):
            continue  # not a snapshot (unreadable, too big or not text): nothing to match
    return texts


def _collect_stubs(
    cites: list[CitationIn],
    file: str,
    stubs: dict[str, CitationIn],
    citations: dict[str, list[CitationIn]],
    problems: list[str],
) -> None:
    for cited in cites:
        if cited.publisher is None:
            continue
        known = stubs.get(cited.article)
        if known is not None and dump_model(known) != dump_model(cited):
            problems.append(
                f"{file}: article cites {cited.article}: stub described differently "
                "in another file; describe it once and cite it by id elsewhere"
            )
            continue
        stubs[cited.article] = cited
        citations[cited.article] = cited.cites
        _collect_stubs(cited.cites, file, stubs, citations, problems)


def _what_is_counted(model: SentenceIn | RiskIn | ClaimIn) -> str | None:
    """'measure sentences' or 'metric war_death_rate': what a record's unit must agree on."""
    if isinstance(model, SentenceIn):
        return f"measure {model.measure.value}"
    return None if model.metric is None else f"metric {model.metric.value}"


def _check_units(records: dict[str, PlannedRecord], problems: list[str]) -> None:
    """Every record of one measure (or metric) states its value in one unit, so a reader can
    compare them; how a value relates to its period is ``rate_basis``, not the unit. A measure's
    unit is its vocabulary's (``Measure.unit``), a metric's that of its first record."""
    first: dict[str, tuple[str, str]] = {}
    for record_id, planned in records.items():
        what, unit = _what_is_counted(planned.model), planned.model.unit
        if what is None or unit is None:
            continue
        model = planned.model
        if isinstance(model, SentenceIn) and unit is not model.measure.unit:
            problems.append(
                f"{planned.file}: record {record_id}: field unit: {unit.value!r}, but measure "
                f"{model.measure.value} counts {model.measure.unit.value!r} (app.vocab.Measure)"
            )
            continue
        other_id, other_unit = first.setdefault(what, (record_id, unit.value))
        if other_unit != unit.value:
            problems.append(
                f"{planned.file}: record {record_id}: field unit: {unit.value!r}, but record "
                f"{other_id} of the same {what} is in {other_unit!r}; one {what.split()[0]} has "
                "one unit"
            )


def _check_references(
    people: PeopleFile,
    articles: dict[str, ArticleIn],
    stubs: dict[str, CitationIn],
    records: dict[str, PlannedRecord],
    relations: list[tuple[str, RelationIn]],
    problems: list[str],
) -> None:
    regions = russian_regions()
    organisations = {organisation.id for organisation in people.organisations}
    person_ids = {person.id for person in people.people}
    for person in people.people:
        if person.organisation and person.organisation not in organisations:
            problems.append(
                f"people.yaml: person {person.id}: field organisation: "
                f"unknown organisation {person.organisation!r}"
            )
    for stub_id in stubs:
        if stub_id in articles:
            problems.append(f"stub {stub_id}: an article file has this id; cite it by id alone")
    every_article = set(articles) | set(stubs)
    cited_ids = {cited.article for cites in _all_citations(articles, stubs) for cited in cites}
    for missing in sorted(cited_ids - every_article):
        problems.append(f"citation of {missing!r}: no article file or stub with that id")

    for record_id, planned in records.items():
        model, where = planned.model, f"{planned.file}: record {record_id}"
        region_fields = [("region", model.region)]
        if isinstance(model, RiskIn):
            region_fields.append(("reference_region", model.reference_region))
        for name, code in region_fields:
            if code is not None and code not in regions:
                problems.append(f"{where}: field {name}: {code!r} is not an ISO 3166-2:RU code")
        if isinstance(model, ClaimIn):
            if model.speaker and model.speaker not in person_ids:
                problems.append(f"{where}: field speaker: unknown person {model.speaker!r}")
            if model.organisation and model.organisation not in organisations:
                problems.append(f"{where}: field organisation: unknown {model.organisation!r}")
        if model.derived is not None:
            sources = set()
            for input_id in model.derived.from_:
                source = records.get(input_id)
                if source is None:
                    problems.append(f"{where}: field derived.from: no record {input_id!r}")
                else:
                    sources.add(source.article_id)
            if len(sources) > 1:
                problems.append(
                    f"{where}: field derived.from: inputs come from different "
                    f"sources ({', '.join(sorted(sources))}); derive within one source"
                )

    for file, relation in relations:
        where = f"{file}: relation {relation.from_} {relation.relation.value} {relation.to}"
        if relation.from_ not in records:
            problems.append(f"{where}: field from: no record {relation.from_!r}")
        elif relation.to not in records:
            problems.append(f"{where}: field to: no record {relation.to!r}")
        elif relation.from_ == relation.to:
            problems.append(f"{where}: a record cannot relate to itself")
        else:
            records[relation.from_].relations.append(relation)


def _check_unique(
    people: PeopleFile,
    articles: dict[str, ArticleIn],
    stubs: dict[str, CitationIn],
    citations: dict[str, list[CitationIn]],
    records: dict[str, PlannedRecord],
    problems: list[str],
) -> None:
    """What the database's unique constraints would refuse, found before writing anything."""
    for label, ids in (
        ("organisation", [o.id for o in people.organisations]),
        ("person", [p.id for p in people.people]),
    ):
        for twice in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(f"people.yaml: {label} {twice}: id used twice")
    urls: dict[str, str] = {}
    for where, article_id, url in [
        (f"{a.id}.yaml: article", a.id, a.url) for a in articles.values()
    ] + [(f"stub {s.article}", s.article, s.url) for s in stubs.values()]:
        if url is not None and urls.setdefault(str(url), article_id) != article_id:
            problems.append(f"{where}: field url: also the url of {urls[str(url)]}")
    for article_id, cites in citations.items():
        cited = [c.article for c in cites]
        for twice in sorted({c for c in cited if cited.count(c) > 1}):
            problems.append(f"article {article_id}: field cites: cites {twice} twice")
    for record_id, planned in records.items():
        links = [(r.to, r.relation.value) for r in planned.relations]
        if planned.model.derived is not None:
            links += [(source, "derived_from") for source in planned.model.derived.from_]
        for to, relation in sorted({link for link in links if links.count(link) > 1}):
            problems.append(
                f"{planned.file}: record {record_id}: field relations: "
                f"{relation} {to} given twice (counting derived.from)"
            )


def _all_citations(
    articles: dict[str, ArticleIn], stubs: dict[str, CitationIn]
) -> list[list[CitationIn]]:
    return [a.cites for a in articles.values()] + [s.cites for s in stubs.values()]
