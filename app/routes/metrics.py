"""/metrics: Prometheus text exposition of this process's metrics (see app/metrics.py).

Outside /v1 and the OpenAPI schema (it is for the operator's scraper, not for readers), async and
without a database session, so a scrape is answered even when every connection is in use.
"""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Request counts and latency by route and status, requests in flight, pool usage."""
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
