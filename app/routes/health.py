"""/healthz (the process answers) and /readyz (the database answers and is migrated to head)."""

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from app import present
from app.deps import SessionDep, SettingsDep
from app.errors import service_unavailable
from app.schemas.read import Health, Ready

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Response:
    """Liveness: the process is up. Touches no database, and runs on the event loop, so it
    answers even when every worker thread is waiting on a hung database."""
    return present.json_response({"status": "ok"})


@router.get(
    "/readyz",
    response_model=Ready,
    responses={
        503: {
            "description": "Database unreachable or not migrated to head.",
            "content": {"application/problem+json": {}},
        }
    },
)
def readyz(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Readiness: the database answers and its schema is at the latest migration."""
    # Imported here, not at the top: alembic is a tenth of the application's import time, and
    # only this probe needs it (issue 11: cold start).
    from app.migrate import current_revisions, head_revisions

    try:
        session.execute(text("SELECT 1"))
        current = current_revisions(session.connection())
    except Exception:  # any driver error means "not ready", never a 500
        return service_unavailable(
            request, "not_ready", "the database does not answer", settings.retry_after
        )
    heads = head_revisions()
    if current != heads:
        return service_unavailable(
            request,
            "not_ready",
            f"database at revision {sorted(current) or 'none'}, code expects {sorted(heads)}; "
            "run `desertion-api migrate`",
            settings.retry_after,
        )
    return present.json_response(
        {
            "status": "ready",
            "database": session.bind.dialect.name if session.bind else "unknown",
            "revision": next(iter(heads)),
        }
    )
