"""Runs asked for over HTTP: `POST /runs` and `GET /runs/{id}` on the fetcher's ops server.

`POST /runs` (optional JSON body `{"since": ..., "until": ...}`, UTC dates or timestamps)
with `Authorization: Bearer <USAGE_TRIGGER_TOKEN>` queues a run and answers 202 with its
id; the polling loop picks it up at once. 401 without the token or with a wrong one (the
comparison takes constant time); 400 for a bad body; the routes are absent (404) when no
token is configured. A run's state lives in this process; its per-endpoint rows are in
`ingestion_runs` under the same run id.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from usage_common import parse_instant, utc_now

from .fetch import EndpointReport

__all__ = ["RunRequests", "TriggeredRun", "trigger_routes"]

RunState = Literal["accepted", "running", "done", "failed"]


@dataclass
class TriggeredRun:
    run_id: str
    since: datetime | None
    until: datetime | None
    accepted_at: datetime
    state: RunState = "accepted"
    finished_at: datetime | None = None
    reports: list[EndpointReport] = field(default_factory=list)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "state": self.state,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "accepted_at": self.accepted_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "error": self.error,
            "endpoints": [
                {
                    "provider": r.provider,
                    "endpoint": r.endpoint,
                    "credential": r.credential_id,
                    "pages": r.pages,
                    "outcome": "skipped" if r.skipped else ("error" if r.error else "ok"),
                    "error": r.error,
                }
                for r in self.reports
            ],
        }


class RunRequests:
    """The queue between the HTTP routes and the fetch loop, and the runs' states."""

    def __init__(self, keep: int = 200) -> None:
        self._queue: asyncio.Queue[TriggeredRun] = asyncio.Queue()
        self._runs: dict[str, TriggeredRun] = {}
        self._keep = keep

    def submit(self, since: datetime | None, until: datetime | None) -> TriggeredRun:
        run = TriggeredRun(uuid.uuid4().hex, since, until, utc_now())
        self._runs[run.run_id] = run
        while len(self._runs) > self._keep:  # oldest first: dicts keep insertion order
            del self._runs[next(iter(self._runs))]
        self._queue.put_nowait(run)
        return run

    def get(self, run_id: str) -> TriggeredRun | None:
        return self._runs.get(run_id)

    async def next(self) -> TriggeredRun:
        return await self._queue.get()


def _authorized(request: Request, token: SecretStr) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    expected = token.get_secret_value().encode()
    # compare_digest does not stop at the first wrong byte: timing tells nothing of the token.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected)


def trigger_routes(requests: RunRequests, token: SecretStr | None) -> list[Route]:
    """The routes to add to the ops server; none without a token (so they answer 404)."""
    if token is None:
        return []

    async def post_run(request: Request) -> JSONResponse:
        if not _authorized(request, token):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict) or set(body) - {"since", "until"}:
                raise ValueError("the body takes only since and until")
            since = parse_instant(body["since"]) if body.get("since") else None
            until = parse_instant(body["until"]) if body.get("until") else None
            if (since is None) != (until is None):
                raise ValueError("give both since and until, or neither")
            if since is not None and until is not None and since >= until:
                raise ValueError("since must be before until")
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        run = requests.submit(since, until)
        return JSONResponse(run.as_json(), status_code=202)

    async def get_run(request: Request) -> JSONResponse:
        if not _authorized(request, token):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        run = requests.get(request.path_params["run_id"])
        if run is None:
            return JSONResponse({"error": "no such run"}, status_code=404)
        return JSONResponse(run.as_json())

    return [
        Route("/runs", post_run, methods=["POST"]),
        Route("/runs/{run_id}", get_run, methods=["GET"]),
    ]
