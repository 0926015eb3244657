"""The docs keep up with the code: settings in the README, every route and parameter described."""

from __future__ import annotations

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT, Settings
from app.main import create_app

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    for name in Settings.model_fields:
        assert f"DESERTION_{name.upper()}" in README, name


def test_every_route_has_a_description_and_a_response_model() -> None:
    for route in create_app().routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            assert route.description, f"{route.path}: add a one-line docstring"
            assert route.response_model is not None, route.path


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
        assert path.split("{")[0].rstrip("/") in README, path


def test_every_field_of_every_response_is_described(client: TestClient) -> None:
    components = client.get("/openapi.json").json()["components"]["schemas"]
    missing = [
        f"{name}.{field}"
        for name, schema in components.items()
        for field, spec in schema.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert missing == []
