"""Fake OpenAI Administration API: GET /v1/organization/costs.

Checks and error shapes are `openai_http`'s. Parameters: `start_time` (required),
`end_time`, `bucket_width` (only `1d`), `limit` (1-180, default 7), `page`,
`group_by` (any of `project_id`, `line_item`, `api_key_id`) and the filters
`project_ids`, `api_key_ids`.

Results: `amount` is `{"value": <dollars, a JSON number written exactly>, "currency":
"usd"}`; `line_item`, `project_id` and `api_key_id` are null unless grouped by them;
`quantity` and `quantity_unit` are null unless grouped by `line_item`.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.responses import JSONResponse

from .buckets import snap
from .config import SimulatorConfig
from .costs import OPENAI_COST_GROUPS, CostRow
from .errors import BadRequestError
from .exact_json import ExactJSONResponse
from .openai_http import authenticate, bad_request, parse_window, render_page
from .pages import Page, build_cost_page
from .query import Filter, UsageQuery, parse_filters, parse_group_by, parse_limit, parse_width

__all__ = ["ENDPOINT", "LIMITS", "PATH", "RESULT_OBJECT", "parse_query", "render", "respond"]

PATH = "/v1/organization/costs"
ENDPOINT = "costs"
RESULT_OBJECT = "organization.costs.result"
LIMITS = (7, 180)
_GROUP_BY = tuple(OPENAI_COST_GROUPS)
_FILTERS: dict[str, Filter] = {
    "project_ids": ("project_id", None),
    "api_key_ids": ("api_key_id", None),
}


def respond(headers: Headers, params: QueryParams, config: SimulatorConfig) -> JSONResponse:
    refused = authenticate(headers, config)
    if refused is not None:
        return refused
    try:
        query = parse_query(params)
        page = build_cost_page(query, seed=config.seed, now=config.now())
    except BadRequestError as exc:
        return bad_request(exc)
    return ExactJSONResponse(render(page, by_line_item="line_item" in query.group_by))


def parse_query(params: QueryParams) -> UsageQuery:
    width = parse_width(params, ("1d",))
    limit = parse_limit(params, width, limits=LIMITS)
    start_time, end_time = parse_window(params)
    return UsageQuery(
        provider="openai",
        endpoint=ENDPOINT,
        start=snap(start_time, width),
        end=end_time,
        width=width,
        limit=limit,
        group_by=parse_group_by(params, _GROUP_BY),
        filters=parse_filters(params, _FILTERS),
        page=params.get("page"),
    )


def render(page: Page[CostRow], *, by_line_item: bool = False) -> dict[str, Any]:
    return render_page(page, lambda row: _result(row, by_line_item))


def _result(row: CostRow, by_line_item: bool) -> dict[str, Any]:
    return {
        "object": RESULT_OBJECT,
        # A Decimal: ExactJSONResponse writes it as the exact JSON number.
        "amount": {"value": row.amount_usd, "currency": "usd"},
        "line_item": row.dims.get("line_item"),
        "project_id": row.dims.get("project_id"),
        "api_key_id": row.dims.get("api_key_id"),
        "quantity": row.quantity if by_line_item else None,
        "quantity_unit": row.dims.get("quantity_unit") if by_line_item else None,
    }
