"""docs/journalists.md answers real questions from the served data: each curl in it is run
against the seed data, and every `code` value its answer states must be in the response."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT

DOC = (PROJECT_ROOT / "docs" / "journalists.md").read_text(encoding="utf-8")
# A curl block, then the paragraph starting **Answer.** (up to the next blank line).
EXAMPLE = re.compile(
    r"```sh\ncurl '(?P<url>[^']+)'\n```\n\n\*\*Answer\.\*\*(?P<answer>.+?)(?:\n\n|\Z)", re.S
)
EXAMPLES = [(m["url"], m["answer"]) for m in EXAMPLE.finditer(DOC)]


def test_the_page_has_five_questions_each_with_a_tested_request() -> None:
    assert len(re.findall(r"^## \d\. .+\?$", DOC, re.M)) == 5
    assert len(EXAMPLES) == DOC.count("```sh") >= 5


@pytest.mark.parametrize(("url", "answer"), EXAMPLES, ids=[u for u, _ in EXAMPLES])
def test_each_answer_is_what_the_request_serves(client: TestClient, url: str, answer: str) -> None:
    parts = urlsplit(url)
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200, response.text
    stated = re.findall(r"`([^`]+)`", answer)
    assert stated, "an answer states at least one checked value"
    missing = [value for value in stated if value not in response.text]
    assert not missing, f"{url} does not serve {missing}"
