"""Each record family is described once (app/families), and every layer follows the
description: the read schema, the list's query parameters and facets, the JSON, the CSV columns,
the columns the loader writes. Adding a Field or Filter to a family is enough to serve it."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from app.config import Settings
from app.csv_rows import record_table
from app.families import FAMILIES, SENTENCE, Family
from app.families.base import Field
from app.families.record import text_filter
from app.main import create_app
from app.models import package_columns
from app.queries import records
from app.routes.family import add_list_route
from app.schemas.read import RecordBase
from tests.helpers import seed

PAGING = {"limit", "cursor", "format", "bom", "facet"}


@pytest.mark.parametrize("family", FAMILIES.values(), ids=lambda f: f.kind)
def test_the_read_schema_is_the_description(family: Family) -> None:
    own = set(family.read_model.model_fields) - set(RecordBase.model_fields)
    assert own == {one.name for one in family.fields}
    for one in family.fields:
        assert family.read_model.model_fields[one.name].description == one.doc


@pytest.mark.parametrize("family", FAMILIES.values(), ids=lambda f: f.kind)
def test_the_list_parameters_are_the_filters(client: TestClient, family: Family) -> None:
    operation = client.get("/openapi.json").json()["paths"][f"/v1/{family.path}"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    sort = {"sort"} if family.sorts else set()  # the list's orders, when it has several
    assert names - PAGING == {one.parameter for one in family.filters} | sort
    facet = next(p for p in operation["parameters"] if p["name"] == "facet")
    assert facet["schema"]["anyOf"][0]["items"]["enum"] == list(family.facets)


@pytest.mark.parametrize("family", FAMILIES.values(), ids=lambda f: f.kind)
def test_json_and_csv_show_every_field(client: TestClient, family: Family) -> None:
    item = client.get(f"/v1/{family.path}?limit=1").json()["data"][0]
    assert {one.name for one in family.fields} <= set(item)
    text = client.get(f"/v1/{family.path}.csv").text
    header = next(csv.reader(io.StringIO(text)))
    assert header == record_table(family).columns
    assert set(family.csv_names) <= set(header)


# Valid filters that match no record (a value that names nothing is a 422, see test_lookups).
NOTHING = {
    "sentence": "from=2099-01",
    "risk": "region=RU-CHU",
    "claim": "article=actualno-2025-11-12-buryatia-young-men-killed",
}


@pytest.mark.parametrize("family", FAMILIES.values(), ids=lambda f: f.kind)
def test_an_empty_csv_still_has_its_header(client: TestClient, family: Family) -> None:
    assert client.get(f"/v1/{family.path}?{NOTHING[family.kind]}").json()["data"] == []
    text = client.get(f"/v1/{family.path}.csv?{NOTHING[family.kind]}").text
    assert text.splitlines() == [",".join(record_table(family).columns)]


@pytest.mark.parametrize("family", FAMILIES.values(), ids=lambda f: f.kind)
def test_the_loader_writes_the_described_columns(family: Family) -> None:
    planned = next(p for p in seed().records.values() if p.kind == family.kind)
    stored = family.stored(planned.model)
    # A copy of a records column (region_code) is written with it, by the ORM (models.region_copy).
    table_columns = {column.name for column in package_columns(family.table)} - {"id"}
    assert set(stored) == table_columns


def test_one_field_and_one_filter_are_enough_to_serve_a_new_field(
    seeded_db: str, client_for: Callable[[str], TestClient]
) -> None:
    """The worked example of docs/architecture.md, with an existing column standing in for the
    new one (the model and the migration are the other two places)."""
    extended = dataclasses.replace(
        SENTENCE,
        fields=(
            *SENTENCE.fields,
            Field(
                "unit_again",
                str | None,
                "The unit once more.",
                example="sentences",
                columns=[records.c.unit.label("unit_again")],
            ),
        ),
        filters=(
            *SENTENCE.filters,
            text_filter("unit_again", records.c.unit, "Only this unit.", "sentences", 40),
        ),
    )
    app = create_app(Settings(database_url=seeded_db))
    router = APIRouter(prefix="/v1/extended", tags=["extended"])
    add_list_route(router, extended)
    app.include_router(router)
    with TestClient(app) as client:
        page = client.get("/v1/extended?unit_again=people&limit=500").json()["data"]
        assert page
        assert {item["unit_again"] for item in page} == {"people"}
        assert all(item["unit"] == "people" for item in page)
        header = client.get("/v1/extended.csv?unit_again=people").text.splitlines()[0]
        assert "unit_again" in header.split(",")
        assert client.get("/v1/extended?unit_agian=x").status_code == 400
        schema = extended.read_model.model_json_schema()
        assert schema["properties"]["unit_again"]["description"] == "The unit once more."
