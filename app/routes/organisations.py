"""/v1/organisations: the organisations claims are about or speak for, with their people and
claims."""

from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy import select

from app import present, queries
from app.csv_rows import named
from app.deps import SessionDep
from app.errors import NOT_FOUND, NotFound, quoted
from app.families import CLAIM
from app.records import RecordReader, present_named
from app.routes.listing import Listing, add_listing
from app.schemas.read import OrganisationRead, Page
from app.schemas.records import OrganisationDetail

router = APIRouter(prefix="/organisations", tags=["organisations"])

ORGANISATIONS_CSV = named(OrganisationRead.model_fields)


add_listing(
    router,
    "list_organisations",
    Listing(
        "organisations",
        queries.organisations_select(),
        [queries.organisations.c.id],
        lambda _session, rows: present_named(rows),
        ORGANISATIONS_CSV,
    ),
    "Organisations by id, with the other names articles give them.",
    Page[OrganisationRead],
    cursor_example="idite-lesom",
)


@router.get("/{organisation_id}", response_model=OrganisationDetail, responses=NOT_FOUND)
def get_organisation(
    organisation_id: Annotated[str, Path(description="Stable id.", examples=["idite-lesom"])],
    session: SessionDep,
) -> Response:
    """One organisation with its people and every claim about it, for it or by its people."""
    rows = session.execute(queries.organisations_select(organisation_id)).all()
    if not rows:
        raise NotFound(
            f"organisation {quoted(organisation_id)} does not exist; see /v1/organisations"
        )
    body = present_named(rows)[0]
    people = queries.people.c.organisation_id == organisation_id
    body["people"] = present_named(
        session.execute(queries.people_select().where(people).order_by(queries.people.c.id)).all()
    )
    claims = queries.claims
    concerned = (claims.c.organisation_id == organisation_id) | claims.c.speaker_id.in_(
        select(queries.people.c.id).where(people)
    )
    body["claims"] = RecordReader.of(session).present(CLAIM, CLAIM.rows(session, concerned))
    return present.json_response(body)
