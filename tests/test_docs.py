"""The docs keep up with the code: settings in the README, every route and parameter described."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT, Settings
from app.loader.curation import RULES
from app.main import create_app
from app.vocab import Measure

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    for name in Settings.model_fields:
        assert f"DESERTION_{name.upper()}" in README, name


def operations(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every operation of an OpenAPI schema as ('GET /path', operation)."""
    return [
        (f"{method.upper()} {path}", operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def undocumented(schema: dict[str, Any]) -> list[str]:
    """Operations without a description (the route's docstring) or without a 200 response that
    declares its body (a response model, or a typed schema per media type: an undeclared body
    shows as ``{}`` or a bare title)."""
    faults = []
    for name, operation in operations(schema):
        if not operation.get("description"):
            faults.append(f"{name}: add a one-line docstring")
        content = operation.get("responses", {}).get("200", {}).get("content", {})
        if not any({"$ref", "type"} & media.get("schema", {}).keys() for media in content.values()):
            faults.append(f"{name}: declare a response model")
    return faults


def test_every_route_has_a_description_and_a_response_model() -> None:
    schema = create_app().openapi()
    assert len(operations(schema)) > 20  # the walk reaches the routers' routes
    assert undocumented(schema) == []


def test_a_route_without_docstring_or_response_model_is_caught() -> None:
    app = create_app()

    @app.get("/v1/undocumented")
    def undocumented_route() -> Any:
        return {}

    assert undocumented(app.openapi()) == [
        "GET /v1/undocumented: add a one-line docstring",
        "GET /v1/undocumented: declare a response model",
    ]


def test_every_parameter_is_described_with_an_example(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                assert parameter.get("description"), f"{path}: {parameter['name']}"
                assert parameter.get("examples") or parameter["schema"].get("examples"), (
                    f"{path}: {parameter['name']} has no example"
                )


def test_every_list_endpoint_is_in_the_readme(client: TestClient) -> None:
    for path in client.get("/openapi.json").json()["paths"]:
        # A list's .csv / .ndjson operations are documented with the list (one convention).
        base = path.split("{")[0].rstrip("/").removesuffix(".csv").removesuffix(".ndjson")
        assert base in README, path


def test_every_field_of_every_response_is_described(client: TestClient) -> None:
    components = client.get("/openapi.json").json()["components"]["schemas"]
    missing = [
        f"{name}.{field}"
        for name, schema in components.items()
        for field, spec in schema.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert missing == []


def test_the_curation_standard_defines_every_measure() -> None:
    """docs/curation.md quotes each measure's definition and unit from app/vocab.py: a new
    measure, or a changed definition, fails here until the standard says it too."""
    curation = " ".join((PROJECT_ROOT / "docs" / "curation.md").read_text("utf-8").split())
    for measure in Measure:
        assert f"- `{measure.value}` (unit `{measure.unit.value}`): " in curation, measure
        assert measure.definition.lower() in curation.lower(), measure


def test_the_curation_standard_names_every_loader_rule() -> None:
    curation = (PROJECT_ROOT / "docs" / "curation.md").read_text("utf-8")
    for name in RULES:
        assert f"(rule `{name}`)" in curation, name
    assert "[docs/curation.md](docs/curation.md)" in README
