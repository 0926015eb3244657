"""The change feed: a client that follows /v1/changes from the start and applies every entry
ends with exactly what the API lists, across seed changes and removals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.loader import load_seed, read_seed
from tests.factories import edit, make_article, make_sentence, write_seed
from tests.helpers import assert_problem, seed, walk

DAGENS = "dagens-2024-10-02-russian-soldiers-flee-to-the-forest"


class Mirror:
    """What an integrator keeps: entities by (type, id), updated from the feed."""

    def __init__(self) -> None:
        self.entities: dict[str, dict[str, Any]] = {}
        self.token: str | None = None
        self.tombstones: list[dict[str, Any]] = []

    def follow(self, client: TestClient, limit: int = 25) -> int:
        applied = 0
        url: str | None = f"/v1/changes?limit={limit}" + (
            f"&since={self.token}" if self.token else ""
        )
        while url:
            body = client.get(url).json()
            for entry in body["data"]:
                if entry["action"] == "delete":
                    self.entities.pop(entry["id"], None)
                    self.tombstones.append(entry)
                else:
                    self.entities[entry["id"]] = entry["data"]
                applied += 1
            self.token = body["last_token"]
            url = body["next"]
        return applied


def served(client: TestClient) -> dict[str, dict[str, Any]]:
    everything: dict[str, dict[str, Any]] = {}
    for family in ("sentences", "risks", "claims"):
        for item in walk(client, f"/v1/{family}?include_deprecated=true&limit=500"):
            everything[item["id"]] = item
    for article in walk(client, "/v1/articles?limit=500"):
        everything[article["id"]] = article
    return everything


def test_following_the_feed_mirrors_the_api_across_changes_and_removals(
    seed_copy: Path,
    seeded_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    client = client_for(seeded_db)
    mirror = Mirror()
    mirror.follow(client)
    assert mirror.entities == served(client)
    assert mirror.follow(client) == 0  # nothing new

    def change(data: dict[str, Any]) -> None:
        data["article"]["title"] = data["article"]["title"] + " (updated)"
        # A changed figure still states what its quote says (the loader's curation rules).
        data["sentences"][0]["statement"] += " (revised)"
        data["sentences"].append(make_sentence("dagens-new-figure", "2024-09", 800))
        data["sentences"][-1]["evidence"] = [{"quote": "800 Sentences Monthly"}]
        data["claims"] = [c for c in data["claims"] if c["id"] != "dagens-buryatia-cellar-raid"]

    def report_independently(data: dict[str, Any]) -> None:
        # Barents now counts as its own source chain: it cites nobody, and its 684 is no longer
        # a relay of Mediazona's (a relay adds no independent source) but a count of its own.
        data["article"]["cites"] = []
        [link] = data["relations"]
        link["relation"] = "corroborates"

    edit(seed_copy, DAGENS, change)
    edit(seed_copy, "barentsobserver-2024-04-12-record-awol-sentences", report_independently)
    session = session_for(seeded_db)
    load_seed(session, seed_copy)
    session.commit()

    applied = mirror.follow(client, limit=7)
    assert applied >= 4
    assert mirror.entities == served(client)
    [tombstone] = [t for t in mirror.tombstones if t["id"] == "dagens-buryatia-cellar-raid"]
    assert tombstone["type"] == "claim"
    assert "removed" in tombstone["reason"]
    assert mirror.entities["dagens-2024-sentences-per-month"]["statement"].endswith("(revised)")
    assert mirror.entities["dagens-new-figure"]["value"] == 800
    assert mirror.entities["mediazona-2024-03-sentences-337"]["independent_sources"] == 2
    assert (
        "(updated)" in mirror.entities["dagens-unprecedented-surge-in-desertion-cases"]["citation"]
    )


def test_each_entity_appears_once_at_its_latest_change(client: TestClient) -> None:
    entries = walk_feed(client)
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    tokens = [int(e["token"]) for e in entries]
    assert tokens == sorted(tokens)


def walk_feed(client: TestClient) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    url: str | None = "/v1/changes?limit=50"
    while url:
        body = client.get(url).json()
        entries += body["data"]
        url = body["next"]
    return entries


def test_a_token_from_the_end_returns_nothing_new(client: TestClient) -> None:
    last = client.get("/v1/changes?limit=1000").json()["last_token"]
    body = client.get(f"/v1/changes?since={last}").json()
    assert body == {"data": [], "next": None, "last_token": last}


def test_a_malformed_token_is_422(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/changes?since=yesterday"), 422)
    assert body["errors"][0]["parameter"] == "since"


def test_a_citation_change_upstream_revises_records_downstream(
    tmp_path: Path,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    """A stub described in one file and cited from another: when the stub's own upstream
    changes, records quoting the citing article count their source chains differently."""
    origin = {
        "article": make_article("origin"),
        "sentences": [make_sentence("origin-o1", "2024-03", 684)],
    }
    describer = {
        "article": make_article(
            "describer",
            cites=[{"article": "upstream-x", "publisher": "X", "cites": [{"article": "origin"}]}],
        ),
    }
    user = {
        "article": make_article("user", cites=[{"article": "upstream-x"}]),
        "sentences": [make_sentence("user-u1", "2024-03", 684)],
        "relations": [{"from": "user-u1", "relation": "corroborates", "to": "origin-o1"}],
    }
    folder = write_seed(tmp_path / "seed", [origin, describer, user])
    session = session_for(empty_db)
    load_seed(session, folder)
    session.commit()
    client = client_for(empty_db)
    mirror = Mirror()
    mirror.follow(client)
    assert mirror.entities["user-u1"]["independent_sources"] == 1

    describer["article"]["cites"][0]["cites"] = []  # X no longer relays the origin
    write_seed(folder, [describer])
    load_seed(session, folder)
    session.commit()
    mirror.follow(client)
    assert mirror.entities == served(client)
    assert mirror.entities["user-u1"]["independent_sources"] == 2
    assert mirror.entities["origin-o1"]["independent_sources"] == 2


def test_removing_an_article_file_removes_it_and_its_records_with_tombstones(
    seed_copy: Path,
    seeded_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    article = "actualno-2025-11-12-buryatia-young-men-killed"  # cited and related by no other
    client = client_for(seeded_db)
    records = {
        record["id"]
        for family in ("sentences", "risks", "claims")
        for record in client.get(f"/v1/articles/{article}").json()["records"][family]
    }
    assert records
    mirror = Mirror()
    mirror.follow(client)

    (seed_copy / "articles" / f"{article}.yaml").unlink()
    after = read_seed(seed_copy)
    # the article, and the stubs only its file described
    articles = (set(seed().articles) | set(seed().stubs)) - set(after.articles) - set(after.stubs)
    assert article in articles
    assert "beri-shinel-telegram-buryatia-losses" in articles
    session = session_for(seeded_db)
    report = load_seed(session, seed_copy)
    session.commit()

    assert report.deleted == len(articles | records)
    for article_id in articles:
        assert_problem(client.get(f"/v1/articles/{article_id}"), 404)
    for record_id in records:
        assert_problem(client.get(f"/v1/risks/{record_id}"), 404)
    everything = served(client)
    assert not (articles | records) & everything.keys()
    assert not {h["id"] for h in client.get("/v1/search?q=actualno").json()["data"]} & (
        articles | records
    )
    mirror.follow(client)
    removed = {t["id"]: t for t in mirror.tombstones}
    assert removed.keys() == articles | records
    assert all(t["data"] is None and "removed" in t["reason"] for t in removed.values())
    assert mirror.entities == everything
