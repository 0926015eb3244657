"""/v1/claims: sourced statements, with their speaker where there is one."""

from fastapi import APIRouter

from app.families import CLAIM
from app.routes.family import add_list_route, add_record_routes

router = APIRouter(prefix="/claims", tags=["claims"])
add_list_route(router, CLAIM)
add_record_routes(router, CLAIM)
