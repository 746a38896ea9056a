"""Fake Anthropic Admin API: GET /v1/organizations/usage_report/messages.

Checks and error shapes are `anthropic_http`'s. Every documented `group_by[]` value and
filter works; `speed` (as a group_by value, a `speeds[]` filter, or a result field)
needs the `anthropic-beta: fast-mode-2026-02-01` header.

`ending_at` bounds bucket starts: a bucket that starts before it is returned whole.
When it is omitted, buckets run up to now, `limit` per page, with `has_more` and a
cursor for the rest.
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
from .catalogue import (
    ANTHROPIC_CONTEXT_WINDOWS,
    ANTHROPIC_DIMENSIONS,
    ANTHROPIC_INFERENCE_GEOS,
    ANTHROPIC_SERVICE_TIERS,
    ANTHROPIC_SPEEDS,
)
from .config import SimulatorConfig
from .data import Row
from .errors import BadRequestError
from .pages import UsagePage, build_page
from .query import Filter, UsageQuery, parse_filters, parse_group_by, parse_limit, parse_width

__all__ = ["PATH", "parse_query", "render", "respond"]

PATH = "/v1/organizations/usage_report/messages"

# Array filter parameter -> (dimension, accepted values or None for free text).
_FILTERS: dict[str, Filter] = {
    "api_key_ids": ("api_key_id", None),
    "workspace_ids": ("workspace_id", None),
    "models": ("model", None),
    "service_tiers": ("service_tier", ANTHROPIC_SERVICE_TIERS),
    "context_window": ("context_window", ANTHROPIC_CONTEXT_WINDOWS),
    "inference_geos": ("inference_geo", ANTHROPIC_INFERENCE_GEOS),
    "account_ids": ("account_id", None),
    "service_account_ids": ("service_account_id", None),
    "speeds": ("speed", ANTHROPIC_SPEEDS),
}
_NEEDS_BETA = f"requires the anthropic-beta header {FAST_MODE_BETA}"
_BETA_ONLY = {"speeds": _NEEDS_BETA}
_DIMENSION_FIELDS = tuple(name for name in ANTHROPIC_DIMENSIONS if name != "speed")


def respond(headers: Headers, params: QueryParams, config: SimulatorConfig) -> JSONResponse:
    """Answer one usage request exactly as the endpoint would (minus injected faults)."""
    refused = authenticate(headers, config)
    if refused is not None:
        return refused
    beta = FAST_MODE_BETA in betas(headers)
    try:
        query = parse_query(params, fast_mode_beta=beta)
        page = build_page(query, seed=config.seed, now=config.now())
    except BadRequestError as exc:
        return bad_request(exc)
    return JSONResponse(render(page, fast_mode_beta=beta), headers=request_id_header())


def parse_query(params: QueryParams, *, fast_mode_beta: bool = False) -> UsageQuery:
    width = parse_width(params)
    limit = parse_limit(params, width)
    starting_at, ending_at = parse_window(params)
    forbidden = {} if fast_mode_beta else {"speed": f"'speed' {_NEEDS_BETA}"}
    group_by = parse_group_by(params, ANTHROPIC_DIMENSIONS, forbidden=forbidden)
    return UsageQuery(
        provider="anthropic",
        start=snap(starting_at, width),
        end=ending_at,
        width=width,
        limit=limit,
        group_by=group_by,
        filters=parse_filters(params, _FILTERS, refused=None if fast_mode_beta else _BETA_ONLY),
        page=params.get("page"),
    )


def render(page: UsagePage, *, fast_mode_beta: bool = False) -> dict[str, Any]:
    return render_page(page, lambda row: _result(row, fast_mode_beta))


def _result(row: Row, fast_mode_beta: bool) -> dict[str, Any]:
    result: dict[str, Any] = {name: row.dims.get(name) for name in _DIMENSION_FIELDS}
    if fast_mode_beta:
        result["speed"] = row.dims.get("speed")
    metrics = row.metrics
    result.update(
        uncached_input_tokens=metrics["uncached_input_tokens"],
        cache_creation={
            "ephemeral_1h_input_tokens": metrics["cache_write_1h"],
            "ephemeral_5m_input_tokens": metrics["cache_write_5m"],
        },
        cache_read_input_tokens=metrics["cache_read_input_tokens"],
        output_tokens=metrics["output_tokens"],
        server_tool_use={"web_search_requests": metrics["web_search_requests"]},
    )
    return result
