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
    betas,
    error,
    fault_response,
    parse_rfc3339,
    request_id_header,
    timestamp,
)
from .buckets import snap
from .catalogue import (
    ANTHROPIC_CONTEXT_WINDOWS,
    ANTHROPIC_DIMENSIONS,
    ANTHROPIC_INFERENCE_GEOS,
    ANTHROPIC_SERVICE_TIERS,
    ANTHROPIC_SPEEDS,
    Dimension,
)
from .config import SimulatorConfig
from .data import Row
from .errors import BadRequestError
from .pages import UsagePage, build_page
from .query import UsageQuery, list_param, parse_group_by, parse_limit, parse_width

__all__ = ["FAST_MODE_BETA", "PATH", "fault_response", "parse_query", "render", "respond"]

PATH = "/v1/organizations/usage_report/messages"

# Array filter parameter -> (dimension, accepted values or None for free text).
_FILTERS: dict[str, tuple[str, frozenset[str] | None]] = {
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
_BETA_ONLY = {"speed", "speeds"}
_NEEDS_BETA = f"requires the anthropic-beta header {FAST_MODE_BETA}"
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
        return error(400, "invalid_request_error", str(exc))
    return JSONResponse(render(page, fast_mode_beta=beta), headers=request_id_header())


def parse_query(params: QueryParams, *, fast_mode_beta: bool = False) -> UsageQuery:
    width = parse_width(params)
    limit = parse_limit(params, width)
    raw_start = params.get("starting_at")
    if raw_start is None:
        raise BadRequestError("starting_at", "field required")
    starting_at = parse_rfc3339("starting_at", raw_start)
    raw_end = params.get("ending_at")
    ending_at = None if raw_end is None else parse_rfc3339("ending_at", raw_end)
    if ending_at is not None and ending_at <= starting_at:
        raise BadRequestError("ending_at", "must be after starting_at")
    forbidden = {} if fast_mode_beta else {"speed": f"'speed' {_NEEDS_BETA}"}
    group_by = parse_group_by(params, ANTHROPIC_DIMENSIONS, forbidden=forbidden)
    return UsageQuery(
        provider="anthropic",
        start=snap(starting_at, width),
        end=ending_at,
        width=width,
        limit=limit,
        group_by=group_by,
        filters=_parse_filters(params, fast_mode_beta=fast_mode_beta),
        page=params.get("page"),
    )


def render(page: UsagePage, *, fast_mode_beta: bool = False) -> dict[str, Any]:
    return {
        "data": [
            {
                "starting_at": timestamp(bucket.start),
                "ending_at": timestamp(bucket.end),
                "results": [_result(row, fast_mode_beta) for row in bucket.rows],
            }
            for bucket in page.buckets
        ],
        "has_more": page.has_more,
        "next_page": page.next_page,
    }


def _parse_filters(params: QueryParams, *, fast_mode_beta: bool) -> dict[str, frozenset[Dimension]]:
    filters: dict[str, frozenset[Dimension]] = {}
    for param, (dimension, accepted) in _FILTERS.items():
        values = list_param(params, param)
        if not values:
            continue
        if param in _BETA_ONLY and not fast_mode_beta:
            raise BadRequestError(f"{param}[]", _NEEDS_BETA)
        for value in values:
            if accepted is not None and value not in accepted:
                allowed = ", ".join(sorted(accepted))
                raise BadRequestError(f"{param}[]", f"unknown value {value!r}; allowed: {allowed}")
        filters[dimension] = frozenset(values)
    return filters


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
