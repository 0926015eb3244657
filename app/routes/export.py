"""/v1/export: the whole dataset as a Frictionless data package (a zip)."""

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from app.deps import SessionDep

router = APIRouter(prefix="/export", tags=["export"])


@router.get(
    "",
    response_class=Response,
    responses={
        200: {
            "description": "datapackage.json and one CSV per table, zipped.",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def export_package(session: SessionDep) -> Response:
    """The dataset as a data package: field descriptions, licence, citation, checksums."""
    from app import package  # the loader and its progress bars: only for this route and the CLI

    archive = package.export_zip(session)
    return StreamingResponse(
        archive.chunks(),
        background=BackgroundTask(archive.close),
        media_type="application/zip",
        headers={
            "ETag": archive.etag(),
            "Content-Disposition": 'attachment; filename="desertion-api-datapackage.zip"',
        },
    )
