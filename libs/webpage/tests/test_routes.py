from __future__ import annotations

import socket

from starlette.applications import Starlette
from starlette.testclient import TestClient

from usage_webpage import CSP, page_routes


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def client() -> TestClient:
    url = f"postgresql://nobody@127.0.0.1:{closed_port()}/nothing"
    return TestClient(Starlette(routes=page_routes(url, None)))


def test_bad_parameters_answer_400_with_a_page_that_says_which() -> None:
    answer = client().get("/", params={"since": "<yesterday>"})
    assert answer.status_code == 400
    assert "since: cannot read &#x27;&lt;yesterday&gt;&#x27;" in answer.text
    assert answer.headers["content-security-policy"] == CSP
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_an_unreachable_database_answers_503_without_its_address() -> None:
    answer = client().get("/")
    assert answer.status_code == 503
    assert "cannot read the database" in answer.text and "nobody" not in answer.text


def test_only_get_is_served() -> None:
    assert client().post("/").status_code == 405
