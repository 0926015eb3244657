"""Build small seed folders for tests: plain functions returning dicts, written as YAML."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


def make_article(article_id: str, **overrides: Any) -> dict[str, Any]:
    article: dict[str, Any] = {
        "id": article_id,
        "url": f"https://example.org/{article_id}",
        "title": f"Title of {article_id}",
        "publisher": f"Publisher {article_id}",
        "authors": [],
        "published": "2024-04-12",
        "published_precision": "day",
        "language": "en",
    }
    return article | overrides


def make_sentence(record_id: str, month: str, value: float, **overrides: Any) -> dict[str, Any]:
    sentence: dict[str, Any] = {
        "id": record_id,
        "statement": f"{value:g} sentences in {month}",
        "period": {"start": month, "end": month},
        "measure": "sentences",
        "rate_basis": "total",
        "value": value,
        "value_qualifier": "exact",
        "criminal_code_articles": [337],
        "evidence": [{"quote": f"{value:g} sentences in {month}"}],
    }
    return sentence | overrides


def make_rate(
    record_id: str, region: str, value: float, as_of: str, **overrides: Any
) -> dict[str, Any]:
    rate: dict[str, Any] = {
        "id": record_id,
        "statement": f"{value:g} deaths per 10,000 men in {region}",
        "risk_type": "rate",
        "metric": "war_deaths_per_10000_men",
        "region": region,
        "value": value,
        "value_qualifier": "exact",
        "unit": "deaths_per_10000_men",
        "as_of": as_of,
        "as_of_precision": "month",
        "evidence": [{"quote": f"{region}: {value:g} per 10,000"}],
    }
    return rate | overrides


def write_seed(
    folder: Path, files: list[dict[str, Any]], people: dict[str, Any] | None = None
) -> Path:
    """Write one YAML file per article into ``folder/articles`` and return ``folder``."""
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    for content in files:
        path = folder / "articles" / f"{content['article']['id']}.yaml"
        path.write_text(
            yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    if people is not None:
        (folder / "people.yaml").write_text(yaml.safe_dump(people), encoding="utf-8")
    return folder


def edit(seed_dir: Path, article_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = seed_dir / "articles" / f"{article_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
