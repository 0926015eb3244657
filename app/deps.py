"""Dependencies shared by the routes: the session, paging, strict query strings, parameters.

The ones that do no I/O are ``async def`` so FastAPI calls them on the event loop instead of
handing each to the thread pool (a hop per dependency per request)."""

import inspect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from app.charts import ChartSize
from app.config import Settings
from app.db import get_session
from app.errors import BadRequest, InvalidParameter, ProblemError
from app.negotiation import NotAcceptable, OutputFormat, accepts
from app.pagination import PageRequest
from app.regions import region_codes
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


@dataclass(frozen=True)
class CursorSpec:
    """What a list's cursor looks like (its sort key: ``app.pagination``) and a real example."""

    pattern: str
    example: str


@dataclass(frozen=True)
class ListOptions:
    output: OutputFormat
    page: PageRequest  # JSON pages; an export starts at the first row
    bom: bool = False  # CSV only
    facets: list[str] = field(default_factory=list)  # JSON only


def list_options(
    output: OutputFormat,
    facets: Iterable[str] = (),
    cursor: CursorSpec | None = None,
    facet_note: str = "",
) -> Any:
    """``Depends`` for one list operation's options. A JSON page takes ``limit``, ``cursor``
    (when the list pages) and ``facet`` (exactly the facets the list has); a CSV export takes
    ``bom``; NDJSON takes nothing; ``facet_note`` ends the ``facet`` parameter's description
    (how a family's facets are counted). Each is its own operation (``/v1/sentences``,
    ``/v1/sentences.csv``, ``/v1/sentences.ndjson``), so each declares one media type."""
    names = tuple(facets)
    parameters = [
        _keyword("request", Request),
        _keyword("settings", SettingsDep),
    ]
    if output is OutputFormat.json and cursor is not None:  # a list that pages
        parameters.append(
            _keyword(
                "limit",
                Annotated[
                    int | None,
                    Query(
                        ge=1,
                        description="Records per page (default 50); more than the server's "
                        "maximum (DESERTION_MAX_PAGE_SIZE, 500 by default) is served as that "
                        "maximum.",
                        examples=[50],
                    ),
                ],
                None,
            )
        )
        parameters.append(
            _keyword(
                "cursor",
                Annotated[
                    str | None,
                    Query(
                        pattern=cursor.pattern,
                        description="Where the page starts: the cursor in the `next` link "
                        "of the previous page (the sort key of its last row).",
                        examples=[cursor.example],
                    ),
                ],
                None,
            )
        )
        if names:
            FacetName = Literal[names]  # type: ignore[valid-type]
            parameters.append(
                _keyword(
                    "facet",
                    Annotated[
                        list[FacetName] | None,
                        Query(
                            description="Add counts per value of a field beside the page, "
                            f"computed over every matching record (repeatable): "
                            f"{', '.join(names)}.{facet_note}",
                            examples=[[names[0]]],
                        ),
                    ],
                    None,
                )
            )
    elif output is OutputFormat.csv:
        parameters.append(
            _keyword(
                "bom",
                Annotated[
                    bool,
                    Query(
                        description="Start with a UTF-8 byte order mark so Excel reads Cyrillic.",
                        examples=[True],
                    ),
                ],
                False,
            )
        )

    async def options(**values: Any) -> ListOptions:
        request: Request = values["request"]
        settings: Settings = values["settings"]
        if output is OutputFormat.json and not accepts(request.headers.get("accept"), output):
            path = request.url.path
            raise NotAcceptable(
                f"this operation answers JSON; CSV is at {path}.csv, NDJSON at {path}.ndjson",
                [ProblemError(parameter="Accept", reason="allow application/json here")],
            )
        limit = min(values.get("limit") or settings.default_page_size, settings.max_page_size)
        return ListOptions(
            output=output,
            page=PageRequest(limit=limit, cursor=values.get("cursor")),
            bom=values.get("bom", False),
            facets=list(values.get("facet") or []),
        )

    options.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return Depends(options)


def _keyword(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> Any:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


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
        json_schema_extra=_region_enum,
    )


def _region_enum(schema: dict[str, Any]) -> None:
    """Called when the OpenAPI schema is built, so the region list loads then, not at start."""
    schema["enum"] = list(region_codes())


def chart_size(
    width: Annotated[
        int,
        Query(
            ge=200, le=2000, description="Width of the chart in pixels (200-2000).", examples=[640]
        ),
    ] = 640,
    height: Annotated[
        int,
        Query(
            ge=150, le=1500, description="Height of the chart in pixels (150-1500).", examples=[400]
        ),
    ] = 400,
) -> ChartSize:
    """The size of an SVG chart: bounded, so a request cannot ask for a gigantic drawing."""
    return ChartSize(width, height)


ChartSizeDep = Annotated[ChartSize, Depends(chart_size)]
