"""POST /runs and GET /runs/{id} on the ops app, over HTTP (ASGI, no socket needed)."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from usage_fetcher import RunRequests, trigger_routes
from usage_transport import create_ops_app

TOKEN = "trigger-token-for-tests-0123456789"


def client(requests: RunRequests, token: str | None = TOKEN) -> httpx.AsyncClient:
    app = create_ops_app({}, routes=trigger_routes(requests, SecretStr(token) if token else None))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ops")


AUTH = {"authorization": f"Bearer {TOKEN}"}


async def test_without_a_configured_token_the_routes_do_not_exist() -> None:
    async with client(RunRequests(), token=None) as http:
        assert (await http.post("/runs", headers=AUTH)).status_code == 404


async def test_a_missing_or_wrong_token_is_401_and_queues_nothing() -> None:
    requests = RunRequests()
    async with client(requests) as http:
        assert (await http.post("/runs")).status_code == 401
        wrong = {"authorization": "Bearer " + TOKEN[:-1] + "x"}
        assert (await http.post("/runs", headers=wrong)).status_code == 401
        basic = {"authorization": f"Basic {TOKEN}"}
        assert (await http.post("/runs", headers=basic)).status_code == 401
        assert (await http.get("/runs/x")).status_code == 401
    assert requests.get("x") is None


async def test_an_accepted_run_is_202_with_an_id_whose_state_can_be_read() -> None:
    requests = RunRequests()
    async with client(requests) as http:
        body = {"since": "2025-11-01", "until": "2025-11-02"}
        accepted = await http.post("/runs", headers=AUTH, json=body)
        assert accepted.status_code == 202
        run_id = accepted.json()["run_id"]
        queued = await requests.next()
        assert queued.run_id == run_id
        assert queued.since is not None and queued.since.isoformat() == "2025-11-01T00:00:00+00:00"
        queued.state = "done"
        state = await http.get(f"/runs/{run_id}", headers=AUTH)
        assert state.status_code == 200 and state.json()["state"] == "done"
        assert (await http.get("/runs/nope", headers=AUTH)).status_code == 404
        plain = await http.post("/runs", headers=AUTH)  # no body: the scheduled windows
        assert plain.status_code == 202 and plain.json()["since"] is None


async def test_a_bad_body_is_400() -> None:
    async with client(RunRequests()) as http:
        for body in (b"[1]", b'{"since": "2025-11-01"}', b'{"since": "x", "until": "y"}',
                     b'{"since": "2025-11-02", "until": "2025-11-01"}', b'{"window": 1}'):  # fmt: skip
            response = await http.post("/runs", headers=AUTH, content=body)
            assert response.status_code == 400, body
