"""Every JSON response of every endpoint is exactly what ``app.schemas.read`` declares: each
operation in /openapi.json is called (with real ids, with and without filters and facets), and
its body must validate against the model its 200 response names, with no field served but not
declared and none declared but missing. Problem bodies (4xx) are held to ``app.errors.Problem``.

Runs on PostgreSQL too when DATABASE_URL is set (through the ``client`` fixture).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from app.errors import Problem
from app.families.claim import ClaimIn
from app.schemas import read, records
from tests.helpers import seed

# Operations whose 200 body is not a JSON document described in app.schemas.read (a zip; a
# citation whose JSON form is CSL-JSON, an outside standard). /metrics is not in the schema.
NOT_JSON = {
    "export-export_package",
    "articles-cite_article",
    "sentences-cite_sentence",
    "risks-cite_risk",
    "claims-cite_claim",
}
# Fields a body may leave out, as their descriptions say: a page's ``facets`` only with ?facet=,
# a problem's ``errors`` only for validation problems.
MAY_BE_ABSENT: dict[type[BaseModel], set[str]] = {read.Page: {"facets"}, Problem: {"errors"}}


def first_id(kind: str) -> str:
    """The first non-deprecated record of a family in the seed files."""
    return next(
        record_id
        for record_id, planned in seed().records.items()
        if planned.kind == kind and planned.model.rank.value != "deprecated"
    )


def an_article() -> str:
    """An article that records quote (so its detail lists some)."""
    return next(planned.article_id for planned in seed().records.values())


def a_speaker() -> str:
    """A person some claim names as its speaker."""
    return next(
        planned.model.speaker
        for planned in seed().records.values()
        if isinstance(planned.model, ClaimIn) and planned.model.speaker
    )


# Concrete requests per operation id: every one must answer 200 with a JSON body.
REQUESTS: dict[str, list[str]] = {
    "health-healthz": ["/healthz"],
    "health-readyz": ["/readyz"],
    "articles-list_articles": [
        "/v1/articles",
        "/v1/articles?limit=2",
        "/v1/articles?facet=publisher&facet=year&facet=language",
    ],
    "articles-get_article": [f"/v1/articles/{an_article()}"],
    "sentences-list_sentences": [
        "/v1/sentences",
        "/v1/sentences?limit=3",
        "/v1/sentences?from=2024-01&to=2024-12&measure=sentences&include_deprecated=true",
        "/v1/sentences?region=RU-BU",
        "/v1/sentences?from=2099-01",
        "/v1/sentences?facet=region&facet=measure&facet=publisher&facet=year",
    ],
    "sentences-get_series": [
        "/v1/sentences/series?measure=sentences",
        "/v1/sentences/series?measure=sentences&offence=337&from=2023-01&to=2024-12",
    ],
    "sentences-get_sentence": [f"/v1/sentences/{first_id('sentence')}"],
    "risks-list_risks": [
        "/v1/risks",
        "/v1/risks?limit=3&include_deprecated=true",
        "/v1/risks?region=RU-BU&reference=RU-MOW",
        "/v1/risks?metric=war_death_rate",
        "/v1/risks?facet=region&facet=metric&facet=publisher&facet=year",
    ],
    "risks-list_multipliers": [
        "/v1/risks/multipliers?reference=RU-MOW",
        "/v1/risks/multipliers?reference=RU-MOW&region=RU-BU",
    ],
    "risks-get_risk": [f"/v1/risks/{first_id('risk')}"],
    "claims-list_claims": [
        "/v1/claims",
        "/v1/claims?limit=3",
        f"/v1/claims?speaker={a_speaker()}&claim_kind=statistic&include_deprecated=true",
        f"/v1/claims?article={an_article()}",
        "/v1/claims?facet=region&facet=claim_kind&facet=publisher&facet=year",
    ],
    "claims-get_claim": [f"/v1/claims/{first_id('claim')}"],
    "regions-list_regions": ["/v1/regions", "/v1/regions?limit=5"],
    "regions-get_region": ["/v1/regions/RU-BU", "/v1/regions/RU-MOW"],
    "people-list_people": ["/v1/people", "/v1/people?limit=1"],
    "people-get_person": [f"/v1/people/{a_speaker()}"],
    "organisations-list_organisations": ["/v1/organisations"],
    "organisations-get_organisation": [f"/v1/organisations/{seed().people.organisations[0].id}"],
    "disputes-list_disputes": ["/v1/disputes", "/v1/disputes?limit=1"],
    "changes-list_changes": ["/v1/changes", "/v1/changes?limit=5", "/v1/changes?since=1"],
    "search-search_everything": [
        "/v1/search?q=Buryatia",
        "/v1/search?q=Mediazona&type=article",
        "/v1/search?q=zzzqqq",
    ],
}

# One bad request per operation (every one with a JSON or non-JSON 200): each must answer with a
# problem body.
PROBLEMS: dict[str, list[tuple[str, int]]] = {
    "health-healthz": [("/healthz?x=1", 400)],
    "health-readyz": [("/readyz?x=1", 400)],
    "articles-list_articles": [("/v1/articles?facet=nope", 422), ("/v1/articles?limit=0", 422)],
    "articles-get_article": [("/v1/articles/nope", 404)],
    "articles-cite_article": [("/v1/articles/nope/cite", 404)],
    "sentences-list_sentences": [("/v1/sentences?regoin=x", 400), ("/v1/sentences?to=24", 422)],
    "sentences-get_series": [("/v1/sentences/series?measure=arrests", 422)],
    "sentences-get_sentence": [("/v1/sentences/nope", 404)],
    "sentences-cite_sentence": [("/v1/sentences/nope/cite", 404)],
    "risks-list_risks": [("/v1/risks?region=RU-XX", 422), ("/v1/risks?cursor=WzVd", 422)],
    "risks-list_multipliers": [("/v1/risks/multipliers?reference=RU-ZZZ", 422)],
    "risks-get_risk": [("/v1/risks/nope", 404)],
    "risks-cite_risk": [("/v1/risks/nope/cite", 404)],
    "claims-list_claims": [("/v1/claims?claim_kind=rumour", 422)],
    "claims-get_claim": [("/v1/claims/nope", 404)],
    "claims-cite_claim": [("/v1/claims/nope/cite", 404)],
    "regions-list_regions": [("/v1/regions?limit=abc", 422)],
    "regions-get_region": [("/v1/regions/nope", 404)],
    "people-list_people": [("/v1/people?limit=0", 422)],
    "people-get_person": [("/v1/people/nope", 404)],
    "organisations-list_organisations": [("/v1/organisations?facet=name", 400)],
    "organisations-get_organisation": [("/v1/organisations/nope", 404)],
    "disputes-list_disputes": [("/v1/disputes?cursor=W3RydWVd", 422)],
    "changes-list_changes": [("/v1/changes?since=-1", 422)],
    "search-search_everything": [("/v1/search", 422), ("/v1/search?q=x&type=person", 422)],
    "export-export_package": [("/v1/export?x=1", 400)],
}
# Every list's CSV and NDJSON operations (the same path ending .csv / .ndjson): not JSON, and
# refusing a bad parameter like the list itself.
EXPORTS = {
    "articles-list_articles": "/v1/articles",
    "sentences-list_sentences": "/v1/sentences",
    "risks-list_risks": "/v1/risks",
    "risks-list_multipliers": "/v1/risks/multipliers",
    "claims-list_claims": "/v1/claims",
    "regions-list_regions": "/v1/regions",
    "disputes-list_disputes": "/v1/disputes",
    "search-search_everything": "/v1/search",
    "people-list_people": "/v1/people",
    "organisations-list_organisations": "/v1/organisations",
    "sentences-get_series": "/v1/sentences/series",
}
for _operation, _path in EXPORTS.items():
    for _suffix in ("csv", "ndjson"):
        NOT_JSON.add(f"{_operation}_{_suffix}")
        PROBLEMS[f"{_operation}_{_suffix}"] = [(f"{_path}.{_suffix}?regoin=x", 400)]
# The SVG charts (tests/test_charts.py checks their bodies): a size out of bounds is a 422.
CHARTS = {
    "sentences-get_series_svg": "/v1/sentences/series.svg?measure=sentences",
    "risks-list_multipliers_svg": "/v1/risks/multipliers.svg?reference=RU-MOW",
}
for _operation, _url in CHARTS.items():
    NOT_JSON.add(_operation)
    PROBLEMS[_operation] = [(f"{_url}&width=10", 422), (f"{_url}&regoin=x", 400)]


@cache
def model_named(component: str) -> type[BaseModel]:
    """The class behind an OpenAPI component name: ``Page_SentenceRead_`` is
    ``Page[SentenceRead]``, any other name the class of that name in app.schemas.read or (made
    from the family descriptions) app.schemas.records."""
    if component.startswith("Page_") and component.endswith("_"):
        item = model_named(component[len("Page_") : -1])
        return read.Page[item]  # type: ignore[valid-type]
    model: type[BaseModel] = getattr(read, component, None) or getattr(records, component)
    return model


def operation_models(schema: dict[str, Any]) -> dict[str, str | None]:
    """Each operation id with the component its JSON 200 names (None when it names none)."""
    found: dict[str, str | None] = {}
    for methods in schema["paths"].values():
        for operation in methods.values():
            content = operation["responses"]["200"].get("content", {})
            ref = content.get("application/json", {}).get("schema", {}).get("$ref")
            found[operation["operationId"]] = ref.rsplit("/", 1)[-1] if ref else None
    return found


def same_shape(declared: Any, served: Any, where: str = "body") -> list[str]:
    """Where the served JSON and the model's full dump of it differ in keys, at any depth: a
    key served but not declared, or declared (with a default) but not served."""
    if isinstance(declared, dict) and isinstance(served, dict):
        faults = [f"{where}.{key}: declared, not served" for key in declared.keys() - served]
        faults += [f"{where}.{key}: served, not declared" for key in served.keys() - declared]
        for key in declared.keys() & served.keys():
            faults += same_shape(declared[key], served[key], f"{where}.{key}")
        return faults
    if isinstance(declared, list) and isinstance(served, list):
        if len(declared) != len(served):
            return [f"{where}: {len(served)} items served, {len(declared)} after validation"]
        return [
            fault
            for number, (one, other) in enumerate(zip(declared, served, strict=True))
            for fault in same_shape(one, other, f"{where}[{number}]")
        ]
    return []


def assert_exactly(model: type[BaseModel], body: Any) -> None:
    """``body`` validates against ``model`` and has exactly its fields, at every depth (the
    top level may leave out what MAY_BE_ABSENT allows)."""
    declared = model.model_validate(body).model_dump(mode="json", by_alias=True)
    origin = model.__pydantic_generic_metadata__["origin"] or model
    for name in MAY_BE_ABSENT.get(origin, set()) - body.keys():
        declared.pop(name)
    assert same_shape(declared, body) == []


@pytest.fixture(scope="module")
def schema(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/openapi.json").json()
    return body


def test_every_operation_is_covered(schema: dict[str, Any]) -> None:
    models = operation_models(schema)
    assert set(REQUESTS) == set(models) - NOT_JSON
    assert set(PROBLEMS) == set(models)
    assert {op for op, component in models.items() if component is None} == NOT_JSON


@pytest.mark.parametrize(
    ("operation", "url"), [(op, url) for op, urls in REQUESTS.items() for url in urls]
)
def test_every_response_is_exactly_its_model(
    client: TestClient, schema: dict[str, Any], operation: str, url: str
) -> None:
    component = operation_models(schema)[operation]
    assert component is not None
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert_exactly(model_named(component), body)
    assert ("facets" in body) == ("facet=" in url)


@pytest.mark.parametrize(("url", "status"), [case for cases in PROBLEMS.values() for case in cases])
def test_every_problem_is_exactly_a_problem(client: TestClient, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert_exactly(Problem, response.json())


def test_the_check_catches_a_field_served_but_not_declared_or_declared_but_missing() -> None:
    region = {
        "code": "RU-BU",
        "name": "Buryatia",
        "name_iso": "Buryatiya, Respublika",
        "name_ru": "Бурятия",
        "type": "republic",
    }
    page = read.Page[read.RegionRead]
    assert_exactly(page, {"data": [region], "next": None})
    with pytest.raises(ValidationError, match="next"):  # required: the model refuses it
        assert_exactly(page, {"data": [region]})
    with pytest.raises(ValidationError, match="extra"):  # the read models forbid extras
        assert_exactly(page, {"data": [region | {"extra": 1}], "next": None})
    problem = {"type": "t", "title": "T", "status": 404, "detail": "d", "instance": "/x"}
    assert_exactly(Problem, problem)
    with pytest.raises(AssertionError):
        assert_exactly(Problem, problem | {"stack": "..."})  # Problem itself allows extras
    with pytest.raises(AssertionError):  # declared with a default: only the dump shows it
        assert_exactly(Problem, {k: v for k, v in problem.items() if k != "instance"})
