"""The routes every record family has, made from its description: the list (with its filters,
paging, facets and formats), one record by id, and its citation."""

import inspect
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from app.deps import ListOptions, SessionDep, list_options
from app.errors import LIST_RESPONSES, NOT_FOUND
from app.families import Family
from app.routes.cite import add_record_cite_route
from app.routes.listing import family_listing, one_record, respond
from app.schemas.read import Page


def add_list_route(router: APIRouter, family: Family) -> None:
    def list_records(
        request: Request,
        session: SessionDep,
        options: Annotated[ListOptions, list_options(family.facets)],
        conditions: Annotated[list[ColumnElement[bool]], Depends(family.filter_dependency())],
    ) -> Response:
        return respond(request, session, options, family_listing(family, conditions))

    router.add_api_route(
        "",
        list_records,
        methods=["GET"],
        name=f"list_{family.path}",
        description=family.list_doc,
        response_model=Page[family.read_model],  # type: ignore[name-defined]
        responses=LIST_RESPONSES,
    )


def add_record_routes(router: APIRouter, family: Family) -> None:
    """``/{<kind>_id}`` and its ``/cite``: add after any fixed sub-path such as ``/series``."""
    name = f"{family.kind}_id"

    def get_record(session: Session, **path: str) -> Response:
        return one_record(session, family, path[name])

    get_record.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[
                    str, Path(description="Stable id.", examples=[family.example_id])
                ],
            ),
            inspect.Parameter("session", inspect.Parameter.KEYWORD_ONLY, annotation=SessionDep),
        ]
    )
    router.add_api_route(
        f"/{{{name}}}",
        get_record,
        methods=["GET"],
        name=f"get_{family.kind}",
        description=f"One {family.title} with its sources, deprecated or not.",
        response_model=family.read_model,
        responses=NOT_FOUND,
    )
    add_record_cite_route(router, family.kind, family.example_id)
