"""/v1/people: the people claims name as their speaker, and the claims each made."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from app import present, queries
from app.csv_rows import CsvTable, joined
from app.deps import ListOptions, SessionDep, list_options
from app.errors import LIST_RESPONSES, NOT_FOUND, NotFound, quoted
from app.families import CLAIM
from app.records import RecordReader, present_named
from app.routes.listing import Listing, respond
from app.schemas.read import Page, PersonRead
from app.schemas.records import PersonDetail

router = APIRouter(prefix="/people", tags=["people"])

PEOPLE_CSV = CsvTable(
    list(PersonRead.model_fields),
    lambda item: item | {"aliases": joined(item["aliases"])},
)


@router.get("", response_model=Page[PersonRead], responses=LIST_RESPONSES)
def list_people(
    request: Request, session: SessionDep, options: Annotated[ListOptions, list_options()]
) -> Response:
    """People by id, with the other spellings of their names (to look up a speaker)."""
    listing = Listing(
        "people",
        queries.people_select(),
        [queries.people.c.id],
        lambda _session, rows: present_named(rows),
        PEOPLE_CSV,
    )
    return respond(request, session, options, listing)


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
