"""Request ids and structured logs: a valid X-Request-ID is kept and echoed, anything else is
replaced; one access line per request (no query string); every record carries the request id;
the logging config writes JSON lines and silences uvicorn's own access log."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.logs import current_request_id, logging_config, request_id_for
from app.main import create_app

HEX_ID = r"[0-9a-f]{32}"


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "app.access"]


@pytest.mark.parametrize("given", ["abc-123", "a.b_c-D", "x" * 64, "0"])
def test_a_valid_request_id_is_echoed(client: TestClient, given: str) -> None:
    response = client.get("/v1/regions/RU-BU", headers={"X-Request-ID": given})
    assert response.headers["x-request-id"] == given


@pytest.mark.parametrize("given", ["", "x" * 65, "a b", "id\r\nX-Evil: 1", "a/b", "<x>"])
def test_an_invalid_request_id_is_replaced(client: TestClient, given: str) -> None:
    response = client.get("/v1/regions/RU-BU", headers={"X-Request-ID": given})
    echoed = response.headers["x-request-id"]
    assert echoed != given
    assert request_id_for(echoed) == echoed  # valid
    assert len(echoed) == 32
    assert int(echoed, 16) >= 0


def test_each_request_gets_its_own_id(client: TestClient) -> None:
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


def test_browsers_may_read_the_request_id(client: TestClient) -> None:
    response = client.get("/v1/regions", headers={"Origin": "https://example.org"})
    assert "X-Request-ID" in response.headers["access-control-expose-headers"]


def test_one_access_line_per_request_without_the_query(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.access")
    response = client.get(
        "/v1/regions?limit=2&token=s3cret", headers={"X-Request-ID": "req-access-1"}
    )
    client.get("/v1/nowhere")
    first, second = access_records(caplog)
    assert response.status_code == 400  # an unknown parameter; logged all the same
    fields = vars(first)
    assert (fields["method"], fields["path"], fields["status"]) == ("GET", "/v1/regions", 400)
    assert fields["duration_ms"] >= 0
    assert "s3cret" not in first.getMessage()
    assert all("s3cret" not in str(value) for value in fields.values())
    assert (vars(second)["path"], vars(second)["status"]) == ("/v1/nowhere", 404)


def test_a_long_path_is_truncated_in_the_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.access")
    client.get("/v1/" + "x" * 5000)
    (record,) = access_records(caplog)
    assert len(vars(record)["path"]) == 200


@pytest.fixture
def logging_app(seeded_db: str) -> Iterator[TestClient]:
    """An app with a route that logs from a sync endpoint (run in the thread pool)."""
    app = create_app(Settings(database_url=seeded_db))

    @app.get("/test-log")
    def log_something() -> dict[str, str | None]:
        logging.getLogger("app.test").warning("inside the endpoint")
        return {"request_id": current_request_id()}

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Apply logging_config with its handler writing to a buffer; restore logging afterwards."""
    config = logging_config("info")
    names = [*config["loggers"], ""]
    saved = {
        name: (logger.handlers[:], logger.level, logger.propagate, logger.disabled)
        for name in names
        for logger in [logging.getLogger(name)]
    }
    buffer = io.StringIO()
    config["handlers"]["stdout"]["stream"] = buffer
    logging.config.dictConfig(config)
    yield buffer
    for name, (handlers, level, propagate, disabled) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate, logger.disabled = propagate, disabled


def test_logs_are_json_lines_with_the_request_id(
    logging_app: TestClient, json_lines: io.StringIO
) -> None:
    response = logging_app.get("/test-log", headers={"X-Request-ID": "trace-42"})
    assert response.json() == {"request_id": "trace-42"}
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /test-log HTTP/1.1" 200')
    logging.getLogger("uvicorn.error").info("outside", extra={"color_message": "\x1b[36m"})
    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    by_logger = {line["logger"]: line for line in lines}
    assert "uvicorn.access" not in by_logger  # ours replaces it
    inside = by_logger["app.test"]
    assert inside["message"] == "inside the endpoint"
    assert inside["request_id"] == "trace-42"
    assert inside["level"] == "WARNING"
    access = by_logger["app.access"]
    assert access["request_id"] == "trace-42"
    assert access["method"] == "GET"
    assert access["path"] == "/test-log"
    assert access["status"] == 200
    assert access["duration_ms"] >= 0
    assert "time" in access
    assert by_logger["uvicorn.error"]["request_id"] is None
    assert "color_message" not in by_logger["uvicorn.error"]


def test_the_level_setting_applies(json_lines: io.StringIO) -> None:
    logging.getLogger("app.test").debug("hidden at info")
    assert json_lines.getvalue() == ""
    assert logging_config("debug")["loggers"]["app"]["level"] == "DEBUG"
