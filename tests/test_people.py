"""/v1/people and /v1/organisations list what seed/people.yaml says, page like the other lists,
and each detail shows the claims that concern it (computed from the seed files)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.families.claim import ClaimIn
from app.loader import load_seed
from tests.factories import make_article, write_seed
from tests.helpers import assert_problem, seed, walk


def seeded_claims() -> dict[str, ClaimIn]:
    return {
        record_id: planned.model
        for record_id, planned in seed().records.items()
        if isinstance(planned.model, ClaimIn)
    }


def test_people_are_listed_with_their_aliases(client: TestClient) -> None:
    listed = {item["id"]: item for item in walk(client, "/v1/people?limit=1")}
    assert set(listed) == {person.id for person in seed().people.people}
    for person in seed().people.people:
        assert listed[person.id]["name"] == person.name
        assert listed[person.id]["aliases"] == person.aliases
        assert listed[person.id]["organisation"] == person.organisation


def test_organisations_are_listed_with_their_aliases(client: TestClient) -> None:
    listed = {item["id"]: item for item in walk(client, "/v1/organisations")}
    assert set(listed) == {organisation.id for organisation in seed().people.organisations}
    for organisation in seed().people.organisations:
        assert listed[organisation.id]["aliases"] == organisation.aliases


def test_a_person_shows_every_claim_they_made(client: TestClient) -> None:
    for person in seed().people.people:
        body = client.get(f"/v1/people/{person.id}").json()
        made = {i for i, claim in seeded_claims().items() if claim.speaker == person.id}
        assert made  # the seed has claims by each person, deprecated ones included here
        assert {claim["id"] for claim in body["claims"]} == made
        assert all(claim["speaker"]["id"] == person.id for claim in body["claims"])


def test_an_organisation_shows_its_people_and_the_claims_that_concern_it(
    client: TestClient,
) -> None:
    for organisation in seed().people.organisations:
        body = client.get(f"/v1/organisations/{organisation.id}").json()
        members = {p.id for p in seed().people.people if p.organisation == organisation.id}
        assert {person["id"] for person in body["people"]} == members
        concerned = {
            i
            for i, claim in seeded_claims().items()
            if claim.organisation == organisation.id or claim.speaker in members
        }
        assert {claim["id"] for claim in body["claims"]} == concerned
        assert len(concerned) > len(
            {i for i, c in seeded_claims().items() if c.speaker in members}
        )  # claims about it, not only those its people made


def test_people_page_and_export_like_the_other_lists(
    tmp_path: Path,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    people = {
        "organisations": [{"id": "org", "name": "Org", "aliases": ["O", "Orga"]}],
        "people": [
            {"id": f"person-{n}", "name": f"Person {n}", "aliases": [], "organisation": "org"}
            for n in range(5)
        ],
    }
    session = session_for(empty_db)
    load_seed(
        session, write_seed(tmp_path / "seed", [{"article": make_article("an-article")}], people)
    )
    session.commit()
    client = client_for(empty_db)
    first = client.get("/v1/people?limit=2").json()
    assert [p["id"] for p in first["data"]] == ["person-0", "person-1"]
    assert [p["id"] for p in walk(client, "/v1/people?limit=2")] == [
        f"person-{n}" for n in range(5)
    ]
    rows = list(csv.DictReader(io.StringIO(client.get("/v1/organisations.csv").text)))
    assert rows == [{"id": "org", "name": "Org", "aliases": "O | Orga", "description": ""}]
    assert client.get("/v1/people/person-3").json()["claims"] == []
    assert [p["id"] for p in client.get("/v1/organisations/org").json()["people"]] == [
        f"person-{n}" for n in range(5)
    ]


def test_an_unknown_person_or_organisation_is_404(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/people/grigori-sverdlin"), 404)
    assert "/v1/people" in body["detail"]
    assert_problem(client.get("/v1/organisations/nope"), 404)
