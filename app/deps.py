"""Dependencies shared by the routes: the session, paging, strict query strings, parameters.

The ones that do no I/O are ``async def`` so FastAPI calls them on the event loop instead of
handing each to the thread pool (a hop per dependency per request)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import get_session
from app.errors import BadRequest, InvalidParameter, ProblemError
from app.negotiation import OutputFormat, negotiate
from app.pagination import PageRequest
from app.regions import russian_regions
from app.schemas.inputs import parse_month
from app.vocab import MONTH_PATTERN, REGION_PATTERN

SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_ALLOWED: dict[int, frozenset[str]] = {}


async def reject_unknown_query_params(request: Request) -> None:
    """A typo such as ``?regoin=`` must fail loudly instead of silently returning everything;
    a NUL character (which PostgreSQL text cannot hold) is refused before any query runs."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = _ALLOWED.get(id(route))
    if allowed is None:
        allowed = _ALLOWED[id(route)] = frozenset(_query_names(route.dependant))
    nul = sorted(
        name
        for name, value in [*request.query_params.multi_items(), *request.path_params.items()]
        if "\x00" in str(value)
    )
    if nul:
        raise BadRequest(
            f"a NUL character is not allowed in: {', '.join(nul)}",
            [ProblemError(parameter=name, reason="contains a NUL character") for name in nul],
        )
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        names = ", ".join(sorted(allowed)) or "none"
        raise BadRequest(
            f"unknown query parameter(s): {', '.join(unknown)}; this endpoint accepts: {names}",
            [
                ProblemError(parameter=name, reason=f"not a parameter here; accepted: {names}")
                for name in unknown
            ],
        )


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def get_settings_from_app(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_from_app)]


async def page_request(
    settings: SettingsDep,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            description="Records per page (default 50); more than the server's maximum "
            "(DESERTION_MAX_PAGE_SIZE, 500 by default) is served as that maximum.",
            examples=[50],
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=500,
            description="Opaque cursor from the `next` link of the previous page.",
            examples=["WyIyMDI0LTAzLTAxIiwgIm1lZGlhem9uYS0yMDI0LTAzLXNlbnRlbmNlcy0zMzciXQ"],
        ),
    ] = None,
) -> PageRequest:
    return PageRequest(
        limit=min(limit or settings.default_page_size, settings.max_page_size), cursor=cursor
    )


PageDep = Annotated[PageRequest, Depends(page_request)]


@dataclass(frozen=True)
class FormatOptions:
    output: OutputFormat
    bom: bool


async def format_options(
    request: Request,
    format: Annotated[
        OutputFormat | None,
        Query(
            description="json, csv or ndjson (every matching row, streamed). Overrides the Accept "
            "header and a .csv / .ndjson suffix on the path.",
            examples=["csv"],
        ),
    ] = None,
    bom: Annotated[
        bool,
        Query(
            description="CSV only: start with a UTF-8 byte order mark so Excel reads Cyrillic.",
            examples=[True],
        ),
    ] = False,
) -> FormatOptions:
    output = format or request.scope.get("desertion.format")
    if output is None:
        output = negotiate(request.headers.get("accept"))
    return FormatOptions(output=OutputFormat(output), bom=bom)


FormatDep = Annotated[FormatOptions, Depends(format_options)]


@dataclass(frozen=True)
class ListOptions:
    page: PageRequest
    output: OutputFormat
    bom: bool
    facets: list[str]


def list_options(facets: Iterable[str] = ()) -> Any:
    """``Depends`` for the paging, format and facet options of one list, used as
    ``Annotated[ListOptions, list_options(SENTENCE.facets)]``. Its ``facet`` parameter lists
    exactly the facets that list has (none: no such parameter, so ``?facet=`` is refused)."""
    names = tuple(facets)

    if not names:

        async def options(page: PageDep, output: FormatDep) -> ListOptions:
            return ListOptions(page=page, output=output.output, bom=output.bom, facets=[])

        return Depends(options)

    FacetName = Literal[names]  # type: ignore[valid-type]

    async def faceted(
        page: PageDep,
        output: FormatDep,
        facet: Annotated[
            list[FacetName] | None,
            Query(
                description="Add counts per value of a field beside the page, computed over "
                f"every matching record (repeatable): {', '.join(names)}.",
                examples=[[names[0]]],
            ),
        ] = None,
    ) -> ListOptions:
        return ListOptions(
            page=page, output=output.output, bom=output.bom, facets=list(facet or [])
        )

    return Depends(faceted)


def month_param(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return parse_month(value)
    except ValueError as exc:
        raise InvalidParameter(str(exc), [ProblemError(parameter=name, reason=str(exc))]) from exc


def month_query(description: str, alias: str | None = None) -> Any:
    return Query(alias=alias, pattern=MONTH_PATTERN, description=description, examples=["2024-03"])


def region_query(description: str) -> Any:
    # The schema lists the codes (so clients and fuzzers know them); validation stays ours, so
    # an unknown code gets a short reason instead of all 83 codes.
    return Query(
        pattern=REGION_PATTERN,
        description=description,
        examples=["RU-BU"],
        json_schema_extra={"enum": list(russian_regions())},
    )
