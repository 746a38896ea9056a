"""Fake Anthropic Admin API: GET /v1/organizations/cost_report.

Checks and error shapes are `anthropic_http`'s. Parameters: `starting_at` (required,
RFC 3339), `ending_at`, `bucket_width` (only `1d`), `limit` (default 7, 1-31), `page`,
`group_by[]` (any of `workspace_id`, `description`); no model or key filters.

Results, per the documented null rules:
- `amount` is a decimal string of cents (`"123.45"` is $1.2345), `currency` is `"USD"`.
- `description`, `cost_type`, `model`, `token_type`, `service_tier`, `context_window`
  and `inference_geo` are null unless grouped by description; `model`, `token_type`,
  `service_tier`, `context_window` and `inference_geo` are also null for costs that are
  not tokens (web search, code execution).
- `workspace_id` is null unless grouped by it, and for the default workspace.
- `speed` is present only with the fast-mode beta header.
Priority Tier usage has no cost lines (billed separately, as the guide says).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.responses import JSONResponse

from .anthropic_http import (
    FAST_MODE_BETA,
    authenticate,
    bad_request,
    betas,
    parse_window,
    render_page,
    request_id_header,
)
from .buckets import snap
from .config import SimulatorConfig
from .costs import ANTHROPIC_COST_GROUPS, CostRow
from .errors import BadRequestError
from .exact_json import decimal_text
from .pages import Page, build_cost_page
from .query import UsageQuery, parse_group_by, parse_limit, parse_width

__all__ = ["ENDPOINT", "LIMITS", "PATH", "parse_query", "render", "respond"]

PATH = "/v1/organizations/cost_report"
ENDPOINT = "cost_report"
LIMITS = (7, 31)
_GROUP_BY = tuple(ANTHROPIC_COST_GROUPS)
_LINE_FIELDS = (
    "cost_type",
    "description",
    "model",
    "token_type",
    "service_tier",
    "context_window",
    "inference_geo",
)


def respond(headers: Headers, params: QueryParams, config: SimulatorConfig) -> JSONResponse:
    refused = authenticate(headers, config)
    if refused is not None:
        return refused
    beta = FAST_MODE_BETA in betas(headers)
    try:
        query = parse_query(params)
        page = build_cost_page(query, seed=config.seed, now=config.now())
    except BadRequestError as exc:
        return bad_request(exc)
    return JSONResponse(render(page, fast_mode_beta=beta), headers=request_id_header())


def parse_query(params: QueryParams) -> UsageQuery:
    width = parse_width(params, ("1d",))
    limit = parse_limit(params, width, limits=LIMITS)
    starting_at, ending_at = parse_window(params)
    return UsageQuery(
        provider="anthropic",
        endpoint=ENDPOINT,
        start=snap(starting_at, width),
        end=ending_at,
        width=width,
        limit=limit,
        group_by=parse_group_by(params, _GROUP_BY),
        page=params.get("page"),
    )


def render(page: Page[CostRow], *, fast_mode_beta: bool = False) -> dict[str, Any]:
    return render_page(page, lambda row: _result(row, fast_mode_beta))


def _result(row: CostRow, fast_mode_beta: bool) -> dict[str, Any]:
    result: dict[str, Any] = {
        "amount": decimal_text(row.amount_usd * 100),
        "currency": "USD",
    }
    result.update((name, row.dims.get(name)) for name in _LINE_FIELDS)
    result["workspace_id"] = row.dims.get("workspace_id")
    if fast_mode_beta:
        result["speed"] = row.dims.get("speed")
    return result
