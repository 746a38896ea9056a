"""The page as Starlette routes, for whichever server mounts them (`up`'s ops server, or
`usage-pipeline dashboard` alone).

A request reads the database afresh (`load_page_data`): the page is as current as the
tables. Bad parameters answer 400 and an unreachable database 503, each with a page that
says why; every answer carries the Content-Security-Policy of `_page` (no script at all).
"""

from __future__ import annotations

import logging

import asyncpg
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from usage_common import ConfigError, UsagePipelineError

from ._data import RunsReader, load_page_data
from ._page import CSP, render_error, render_page
from ._query import PageQuery

__all__ = ["page_routes"]

log = logging.getLogger(__name__)

_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _answer(body: str, status: int) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=_HEADERS)


def page_routes(database_url: str, runs: RunsReader | None, path: str = "/") -> list[Route]:
    """`GET path` renders the page from `database_url`; `runs` reads the last ingestion
    runs (None: the runs section stays empty)."""

    async def page(request: Request) -> HTMLResponse:
        try:
            query = PageQuery.from_params(request.query_params)
        except ConfigError as exc:
            return _answer(render_error(str(exc)), 400)
        try:
            data = await load_page_data(database_url, query, runs)
        except (OSError, asyncpg.PostgresError, UsagePipelineError) as exc:
            log.warning("web page: cannot read the database: %s", exc)
            return _answer(render_error(f"cannot read the database ({type(exc).__name__})"), 503)
        return _answer(render_page(data), 200)

    return [Route(path, page, methods=["GET"])]
