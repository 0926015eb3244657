"""Reading the seed folder: parse every file with the input models, then check the set as a
whole (ids, regions, speakers, relations, derivations, quotes against snapshots)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from app.regions import russian_regions
from app.schemas.inputs import (
    ArticleIn,
    CitationIn,
    ClaimIn,
    PeopleFile,
    RelationIn,
    RiskIn,
    SeedFile,
    SentenceIn,
)

FAMILIES: dict[str, str] = {"sentences": "sentence", "risks": "risk", "claims": "claim"}


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
        if len(loc) >= 2 and loc[0] in (*FAMILIES, "relations") and isinstance(loc[1], int):
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


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{path.name}: not readable YAML: {exc}")
        return None


def read_seed(seed_dir: Path) -> SeedSet:
    """Parse and check the whole seed folder; raise SeedError listing every problem."""
    problems: list[str] = []
    people = PeopleFile()
    people_path = seed_dir / "people.yaml"
    if people_path.exists():
        raw = _read_yaml(people_path, problems)
        try:
            people = PeopleFile.model_validate(raw or {})
        except ValidationError as exc:
            problems += _describe(exc, raw, people_path.name)

    articles: dict[str, ArticleIn] = {}
    stubs: dict[str, CitationIn] = {}
    citations: dict[str, list[CitationIn]] = {}
    records: dict[str, PlannedRecord] = {}
    relations: list[tuple[str, RelationIn]] = []
    files = sorted((seed_dir / "articles").glob("*.yaml"))
    if not files:
        problems.append(f"{seed_dir / 'articles'}: no *.yaml seed files")

    for path in files:
        raw = _read_yaml(path, problems)
        if raw is None:
            continue
        try:
            seed_file = SeedFile.model_validate(raw)
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
        snapshot_text = _snapshot_text(path, article, problems)
        for family, kind in FAMILIES.items():
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
    if problems:
        raise SeedError(problems)
    return SeedSet(people, articles, stubs, citations, records)


def _snapshot_text(path: Path, article: ArticleIn, problems: list[str]) -> str | None:
    if article.snapshot is None:
        return None
    snapshot_path = path.parent / article.snapshot.file
    try:
        data = snapshot_path.read_bytes()
    except OSError:
        problems.append(f"{path.name}: article: field snapshot.file: {snapshot_path.name} missing")
        return None
    if hashlib.sha256(data).hexdigest() != article.snapshot.sha256:
        problems.append(f"{path.name}: article: field snapshot.sha256: does not match the file")
        return None
    return fold(data.decode("utf-8"))


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


def _all_citations(
    articles: dict[str, ArticleIn], stubs: dict[str, CitationIn]
) -> list[list[CitationIn]]:
    return [a.cites for a in articles.values()] + [s.cites for s in stubs.values()]
