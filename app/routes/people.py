"""/v1/people: the people claims name as their speaker, and the claims each made."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from app import present, queries
from app.csv_rows import named
from app.deps import SessionDep
from app.errors import NOT_FOUND, NotFound, quoted
from app.families import CLAIM
from app.records import RecordReader, present_named
from app.routes.listing import Listing, add_listing
from app.schemas.read import Page, PersonRead
from app.schemas.records import PersonDetail

router = APIRouter(prefix="/people", tags=["people"])

PEOPLE_CSV = named(PersonRead.model_fields)


add_listing(
    router,
    "list_people",
    Listing(
        "people",
        queries.people_select(),
        [queries.people.c.id],
        lambda _session, rows: present_named(rows),
        PEOPLE_CSV,
    ),
    "People by id, with the other spellings of their names (to look up a speaker).",
    Page[PersonRead],
    cursor_example="grigory-sverdlin",
)


@router.get("/{person_id}", response_model=PersonDetail, responses=NOT_FOUND)
def get_person(
    person_id: Annotated[str, Path(description="Stable id.", examples=["grigory-sverdlin"])],
    session: SessionDep,
) -> Response:
    """One person with every claim they made."""
    rows = session.execute(queries.people_select(person_id)).all()
    if not rows:
        raise NotFound(f"person {quoted(person_id)} does not exist; see /v1/people")
    body = present_named(rows)[0]
    made = CLAIM.rows(session, queries.claims.c.speaker_id == person_id)
    body["claims"] = RecordReader.of(session).present(CLAIM, made)
    return present.json_response(body)
