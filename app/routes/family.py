"""The routes every record family has, made from its description: the list (with its filters,
paging, facets and formats), one record by id, and its citation."""

import inspect
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from app.deps import CursorSpec, ListOptions, SessionDep, list_options
from app.errors import NOT_FOUND
from app.families import Family
from app.negotiation import OutputFormat
from app.pagination import any_cursor_pattern
from app.rollup import FACET_NOTE
from app.routes.cite import add_record_cite_route
from app.routes.listing import add_list_operations, family_listing, one_record, respond
from app.schemas.read import Page
from app.schemas.records import DETAIL_MODELS


def add_list_route(router: APIRouter, family: Family) -> None:
    """The family's list as a JSON page, and as CSV and NDJSON (``.csv``, ``.ndjson``)."""
    cursor = CursorSpec(any_cursor_pattern(family.orders), family.cursor_example)
    filters = family.filter_dependency()
    ordering = family.order_dependency()

    def endpoint(output: OutputFormat) -> Callable[..., Response]:
        def list_records(
            request: Request,
            session: SessionDep,
            options: Annotated[
                ListOptions, list_options(output, family.facets, cursor, FACET_NOTE)
            ],
            conditions: Annotated[list[ColumnElement[bool]], Depends(filters)],
            order: Annotated[Sequence[ColumnElement[Any]], Depends(ordering)],
        ) -> Response:
            listing = family_listing(family, conditions, order)
            return respond(request, session, options, listing)

        return list_records

    add_list_operations(
        router,
        f"list_{family.path}",
        endpoint,
        family.list_doc,
        Page[family.read_model],  # type: ignore[name-defined]
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
        response_model=DETAIL_MODELS.get(family.kind, family.read_model),
        responses=NOT_FOUND,
    )
    add_record_cite_route(router, family.kind, family.example_id)
