"""One error shape for the whole API: RFC 9457 ``application/problem+json``.

Every 4xx names what was wrong (``errors`` lists each parameter and the reason); a 5xx says only
that something failed, and the traceback goes to the log, never to the client.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.progress import abandoned
from app.vocab import MONTH_PATTERN, REGION_PATTERN

logger = logging.getLogger("desertion_api")
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://desertion-api.example/problems/"


class ProblemError(BaseModel):
    parameter: str = Field(description="The query or path parameter (or body field) at fault.")
    reason: str = Field(description="Why its value was refused.")


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field(
        description="URI naming the kind of problem.", examples=[TYPE_BASE + "not_found"]
    )
    title: str = Field(description="Short summary of the kind of problem.", examples=["Not Found"])
    status: int = Field(description="The HTTP status code.", examples=[404])
    detail: str = Field(
        description="What went wrong with this request, in words.",
        examples=["sentence 'nope' does not exist"],
    )
    instance: str | None = Field(None, description="The path of the request that failed.")
    errors: list[ProblemError] | None = Field(
        None, description="For validation problems: each parameter and what is wrong with it."
    )


class AppError(Exception):
    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal Server Error"

    def __init__(self, detail: str, errors: list[ProblemError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFound(AppError):
    status_code, code, title = 404, "not_found", "Not Found"


class BadRequest(AppError):
    status_code, code, title = 400, "bad_request", "Bad Request"


class InvalidParameter(AppError):
    status_code, code, title = 422, "invalid_parameter", "Invalid Parameter"


# Error bodies quote the input only in part: a 60 KB parameter must not come back as 60 KB.
QUOTED_INPUT = 40
MAX_TEXT = 500


def quoted(value: object) -> str:
    """``repr(value)`` cut to a short prefix, for echoing a client's input in an error."""
    text = repr(value)
    return text if len(text) <= QUOTED_INPUT else text[: QUOTED_INPUT - 1] + "…"


def _capped(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def problem_response(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[ProblemError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": _capped(detail),
        "instance": _capped(request.url.path),
    }
    if errors:
        body["errors"] = [
            {"parameter": _capped(error.parameter), "reason": _capped(error.reason)}
            for error in errors
        ]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(request, exc.status_code, exc.code, exc.title, exc.detail, exc.errors)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("query", "path", "header", "body", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "request"


# Friendlier wording for the patterns the query parameters use.
PATTERN_NAMES = {
    MONTH_PATTERN: "a month as YYYY-MM, e.g. 2024-03",
    REGION_PATTERN: "an ISO 3166-2:RU region code such as RU-BU",
}


def _reason(error: dict[str, Any]) -> str:
    if error.get("type") == "string_pattern_mismatch":
        pattern = (error.get("ctx") or {}).get("pattern", "")
        expected = PATTERN_NAMES.get(pattern, f"text matching {pattern}")
        return f"{quoted(error.get('input'))} is not {expected}"
    return str(error["msg"])


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        ProblemError(parameter=_location(tuple(error.get("loc", ()))), reason=_reason(error))
        for error in exc.errors()
    ]
    names = ", ".join(sorted({error.parameter for error in errors}))
    return problem_response(
        request,
        422,
        "invalid_parameter",
        "Invalid Parameter",
        f"invalid value for: {names}",
        errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable"}
    title = titles.get(exc.status_code, "Error")
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}; see /docs for the endpoints"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}; this API is read-only"
    code = title.lower().replace(" ", "_")
    return problem_response(
        request, exc.status_code, code, title, detail, headers=getattr(exc, "headers", None)
    )


def service_unavailable(request: Request, code: str, detail: str, retry_after: int) -> JSONResponse:
    """503 with ``Retry-After``; never cached, so a recovered database is seen at once."""
    return problem_response(
        request,
        503,
        code,
        "Service Unavailable",
        detail,
        headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"},
    )


# Errors that mean "the database is not available now" (stopped, unreachable, hung past its
# timeout, pool exhausted, file gone), as opposed to a bug: they are a 503, not a 500.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # One line, no traceback: an outage would otherwise flood the log with identical stacks.
    # A request the guard already answered (and logged) as stalled is not logged twice.
    if not abandoned():
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
        logger.warning(
            "database unavailable on %s %s: %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
            reason,
        )
    retry_after: int = request.app.state.settings.retry_after
    return service_unavailable(
        request, "database_unavailable", "the database is not available; retry shortly", retry_after
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        request,
        500,
        "internal_error",
        "Internal Server Error",
        "the server failed to answer this request; it has been logged",
    )


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected_error)


PROBLEM_REF = "#/components/schemas/Problem"


def _problem(description: str) -> dict[str, Any]:
    # The schema under the one media type errors are sent as (FastAPI's "model" would put it
    # under application/json); add_problem_schema() puts Problem into the components.
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }


UNAVAILABLE = _problem(
    "The database is unavailable or the server is overloaded; retry after Retry-After seconds."
)


def add_problem_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    """Put ``Problem`` (and ``ProblemError``) into the OpenAPI components, and drop FastAPI's
    default validation-error schemas, which this API never sends."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    generated = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(generated.pop("$defs", {}))
    schemas["Problem"] = generated
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    # Any read of the data can meet a database outage or overload (app.guard).
    for path, methods in openapi.get("paths", {}).items():
        if path.startswith("/v1/") or path == "/readyz":
            for operation in methods.values():
                operation["responses"].setdefault("503", UNAVAILABLE)
    return openapi


LIST_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem("Unknown query parameter or malformed cursor."),
    422: _problem("A parameter has an invalid value."),
}
LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    **LIST_ERRORS,
    406: _problem(
        "The Accept header does not allow JSON (CSV and NDJSON have operations of "
        "their own: the same path ending .csv or .ndjson)."
    ),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    400: _problem("Unknown query parameter."),
    404: _problem("No such resource."),
    422: _problem("A parameter has an invalid value."),
}
