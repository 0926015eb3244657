"""/metrics: Prometheus counters and latency by route template and status, requests in flight,
and the connection pool, on a registry of the app's own."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests(samples: Samples, route: str, status: str) -> float:
    key = frozenset({"route": route, "status": status}.items())
    return samples.get(("desertion_http_requests_total", key), 0.0)


@pytest.fixture
def fresh(seeded_db: str, client_for: Callable[[str], TestClient]) -> TestClient:
    return client_for(seeded_db)


def test_requests_are_counted_by_route_template_and_status(fresh: TestClient) -> None:
    fresh.get("/v1/regions/RU-BU")
    fresh.get("/v1/regions/RU-MOW")
    fresh.get("/v1/regions/RU-XX")
    fresh.get("/v1/sentences.csv")
    fresh.head("/v1/regions")
    fresh.get("/v1/no/such/thing/12345")
    fresh.post("/v1/regions")
    fresh.get("/healthz")
    fresh.get("/docs-assets/swagger-ui.css")
    fresh.get("/docs-assets/no-such-file.js")
    samples = scrape(fresh)
    assert requests(samples, "/v1/regions/{code}", "200") == 2
    assert requests(samples, "/v1/regions/{code}", "404") == 1
    assert requests(samples, "/v1/sentences.csv", "200") == 1  # an operation of its own
    assert requests(samples, "/v1/regions", "200") == 1  # a HEAD
    assert requests(samples, "unmatched", "404") == 1
    assert requests(samples, "/v1/regions", "405") == 1
    assert requests(samples, "/healthz", "200") == 1
    assert requests(samples, "/docs-assets/{path}", "200") == 1  # a mounted app's files
    assert requests(samples, "/docs-assets/{path}", "404") == 1
    routes = {dict(labels).get("route") for _, labels in samples}
    assert not any(r and ("RU-BU" in r or "12345" in r) for r in routes)  # never a raw path


def test_latency_histogram_by_route(fresh: TestClient) -> None:
    fresh.get("/v1/regions/RU-BU")
    samples = scrape(fresh)
    labels = frozenset({"route": "/v1/regions/{code}", "status": "200"}.items())
    assert samples[("desertion_http_request_duration_seconds_count", labels)] == 1
    assert samples[("desertion_http_request_duration_seconds_sum", labels)] > 0
    inf = labels | {("le", "+Inf")}
    assert samples[("desertion_http_request_duration_seconds_bucket", inf)] == 1


def test_in_flight_counts_the_scrape_itself(fresh: TestClient) -> None:
    samples = scrape(fresh)
    assert samples[("desertion_http_requests_in_flight", frozenset())] == 1


def test_pool_gauges_are_read_at_scrape_time(fresh: TestClient) -> None:
    fresh.get("/v1/regions/RU-BU")  # opens a connection and gives it back
    samples = scrape(fresh)
    pool = {
        name.removeprefix("desertion_db_pool_"): value
        for (name, labels), value in samples.items()
        if name.startswith("desertion_db_pool_")
    }
    engine = fresh.app.state.engine  # type: ignore[attr-defined]
    assert pool == {
        "size": engine.pool.size(),
        "checked_out": 0,  # /metrics holds no session
        "checked_in": engine.pool.checkedin(),
        "overflow": 0,
    }
    assert pool["checked_in"] >= 1
    with engine.connect():
        assert scrape(fresh)[("desertion_db_pool_checked_out", frozenset())] == 1


def test_each_app_has_its_own_registry(
    fresh: TestClient, seeded_db: str, client_for: Callable[[str], TestClient]
) -> None:
    fresh.get("/v1/regions/RU-BU")
    other = client_for(seeded_db)
    assert requests(scrape(other), "/v1/regions/{code}", "200") == 0


def test_metrics_is_not_in_the_api_schema(client: TestClient) -> None:
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_reads_answered_from_the_cache_count_under_their_route(fresh: TestClient) -> None:
    etag = fresh.get("/v1/regions/RU-BU").headers["etag"]
    fresh.get("/v1/regions/RU-BU")  # from the response cache
    fresh.get("/v1/regions/RU-BU", headers={"If-None-Match": etag})  # a 304 from it
    samples = scrape(fresh)
    assert requests(samples, "/v1/regions/{code}", "200") == 2
    assert requests(samples, "/v1/regions/{code}", "304") == 1
    assert requests(samples, "unmatched", "200") == 0
