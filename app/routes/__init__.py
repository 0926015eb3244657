"""The /v1 router: one module per resource."""

from fastapi import APIRouter

from app.routes import articles, claims, regions, risks, sentences

api_router = APIRouter()
for module in (articles, sentences, risks, claims, regions):
    api_router.include_router(module.router)
