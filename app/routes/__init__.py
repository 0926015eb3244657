"""The /v1 router: one module per resource."""

from fastapi import APIRouter

from app.routes import (
    articles,
    changes,
    claims,
    disputes,
    export,
    organisations,
    people,
    regions,
    risks,
    search,
    sentences,
)

api_router = APIRouter()
for module in (
    articles,
    sentences,
    risks,
    claims,
    regions,
    people,
    organisations,
    disputes,
    changes,
    search,
    export,
):
    api_router.include_router(module.router)
