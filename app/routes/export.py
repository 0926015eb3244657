"""/v1/export: the whole dataset as a Frictionless data package (a zip)."""

from fastapi import APIRouter, Response

from app import package
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
    return Response(
        package.export_zip(session),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="desertion-api-datapackage.zip"'},
    )
