"""Every error is RFC 9457 problem+json that names the parameter and the reason; unknown query
parameters are refused; nothing answers 500 or shows a stack trace."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.helpers import assert_problem

LISTS = ["/v1/sentences", "/v1/risks", "/v1/claims", "/v1/articles", "/v1/regions"]


@pytest.mark.parametrize("path", LISTS)
def test_unknown_query_parameter_is_400_naming_the_accepted_ones(
    client: TestClient, path: str
) -> None:
    body = assert_problem(client.get(f"{path}?regoin=x"), 400)
    assert body["errors"][0]["parameter"] == "regoin"
    assert "limit" in body["detail"]
    assert "regoin" in body["detail"]


@pytest.mark.parametrize(
    ("path", "status", "parameter"),
    [
        ("/v1/sentences?from=2024-13", 422, "from"),
        ("/v1/sentences?to=24-01", 422, "to"),
        ("/v1/sentences?from=2024-02-01", 422, "from"),
        ("/v1/sentences?measure=arrests", 422, "measure"),
        ("/v1/sentences?region=Buryatia", 422, "region"),
        ("/v1/risks?region=RU-XX", 422, "region"),
        ("/v1/risks?reference=RU-ZZZ", 422, "reference"),
        ("/v1/claims?claim_kind=rumour", 422, "claim_kind"),
        ("/v1/claims?limit=abc", 422, "limit"),
        ("/v1/claims?include_deprecated=maybe", 422, "include_deprecated"),
    ],
)
def test_invalid_values_name_the_parameter(
    client: TestClient, path: str, status: int, parameter: str
) -> None:
    body = assert_problem(client.get(path), status)
    assert [error["parameter"] for error in body["errors"]] == [parameter]
    assert body["errors"][0]["reason"]


def test_malformed_month_reason_is_readable(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/sentences?from=2024-13"), 422)
    assert body["errors"][0]["reason"] == "'2024-13' is not a month as YYYY-MM, e.g. 2024-03"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/sentences/nope",
        "/v1/risks/nope",
        "/v1/claims/nope",
        "/v1/articles/nope",
        "/v1/regions/nope",
        "/v1/nothing-here",
    ],
)
def test_unknown_ids_and_paths_are_404(client: TestClient, path: str) -> None:
    assert_problem(client.get(path), 404)


def test_a_record_of_another_family_is_404(client: TestClient) -> None:
    assert_problem(client.get("/v1/sentences/dagens-buryatia-vs-moscow-death-likelihood"), 404)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writes_are_405(client: TestClient, method: str) -> None:
    body = assert_problem(client.request(method, "/v1/sentences"), 405)
    assert method in body["detail"]


def test_unexpected_failure_is_a_generic_500(seeded_db: str) -> None:
    app = create_app(Settings(database_url=seeded_db))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as fresh:
        response = fresh.get("/boom")
    body = assert_problem(response, 500)
    assert "secret" not in response.text
    assert body["title"] == "Internal Server Error"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/sentences/%00",
        "/v1/articles/%00/cite",
        "/v1/regions/%00",
        "/v1/risks?metric=%00",
        "/v1/claims?speaker=a%00",
        "/v1/claims?article=%00",
        "/v1/search?q=a%00b",
    ],
)
def test_nul_characters_are_refused_not_crashed_on(client: TestClient, path: str) -> None:
    body = assert_problem(client.get(path), 400)
    assert "NUL" in body["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/risks?cursor=WzVd",  # [5] where the key is text
        "/v1/sentences?cursor=WzEsMl0",  # [1,2] for a (month, id) key
        "/v1/regions?cursor=WzEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDBd",  # a huge integer
        "/v1/claims?cursor=W3RydWVd",  # [true]
    ],
)
def test_forged_cursors_are_422(client: TestClient, path: str) -> None:
    assert_problem(client.get(path), 422)


@pytest.mark.parametrize("token", ["%C2%B2", "99999999999999999999", "%D9%A1%D9%A2", "-1"])
def test_odd_change_tokens_are_422(client: TestClient, token: str) -> None:
    assert_problem(client.get(f"/v1/changes?since={token}"), 422)
