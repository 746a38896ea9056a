"""Fake OpenAI Administration API: GET /v1/organization/usage/completions.

Order of checks: bearer token (401), parameters (400), then the page. Error bodies
follow OpenAI's shape: `{"error":{"message","type","param","code"}}`.

`end_time` is exclusive on bucket starts. When it is omitted, buckets run up to now,
`limit` per page, with `has_more` and a cursor for the rest.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.responses import JSONResponse

from .buckets import snap, to_unix
from .catalogue import OPENAI_DIMENSIONS, Dimension
from .config import SimulatorConfig
from .data import Row
from .errors import BadRequestError
from .faults import FaultPlan
from .pages import UsagePage, build_page
from .query import UsageQuery, list_param, parse_group_by, parse_limit, parse_width

__all__ = ["PATH", "fault_response", "parse_query", "render", "respond"]

PATH = "/v1/organization/usage/completions"
RESULT_OBJECT = "organization.usage.completions.result"

_FILTERS: dict[str, str] = {
    "project_ids": "project_id",
    "user_ids": "user_id",
    "api_key_ids": "api_key_id",
    "models": "model",
}
_RESULT_METRICS = (
    "input_tokens",
    "output_tokens",
    "input_cached_tokens",
    "input_cache_write_tokens",
    "input_uncached_tokens",
    "input_text_tokens",
    "input_audio_tokens",
    "input_image_tokens",
    "input_cached_text_tokens",
    "input_cached_audio_tokens",
    "input_cached_image_tokens",
    "output_text_tokens",
    "output_audio_tokens",
    "output_image_tokens",
    "num_model_requests",
)
_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization "
    "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
)
# Real OpenAI echoes a masked key here; the simulator echoes nothing so logs stay clean.
_BAD_KEY = "Incorrect API key provided."
_FAULT_ERRORS: dict[int, tuple[str, str, str | None]] = {
    429: (
        "requests",
        "Rate limit reached for requests. Please try again later.",
        "rate_limit_exceeded",
    ),
    503: ("server_error", "The server is overloaded or not ready yet.", None),
}
_SERVER_ERROR = (
    "server_error",
    "The server had an error while processing your request. Sorry about that!",
    None,
)


def respond(headers: Headers, params: QueryParams, config: SimulatorConfig) -> JSONResponse:
    """Answer one usage request exactly as the endpoint would (minus injected faults)."""
    authorization = headers.get("authorization")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _error(401, "invalid_request_error", _NO_KEY, code="invalid_api_key")
    if not hmac.compare_digest(token.strip().encode(), config.openai_admin_key.encode()):
        return _error(401, "invalid_request_error", _BAD_KEY, code="invalid_api_key")
    try:
        query = parse_query(params)
        page = build_page(query, seed=config.seed, now=config.now())
    except BadRequestError as exc:
        return _error(400, "invalid_request_error", str(exc), param=exc.param)
    return JSONResponse(render(page))


def parse_query(params: QueryParams) -> UsageQuery:
    width = parse_width(params)
    limit = parse_limit(params, width)
    start_time = _parse_unix(params, "start_time")
    if start_time is None:
        raise BadRequestError("start_time", "missing required parameter")
    end_time = _parse_unix(params, "end_time")
    if end_time is not None and end_time <= start_time:
        raise BadRequestError("end_time", "must be greater than start_time")
    filters: dict[str, frozenset[Dimension]] = {}
    for param, dimension in _FILTERS.items():
        values = list_param(params, param)
        if values:
            filters[dimension] = frozenset(values)
    batch = params.get("batch")
    if batch is not None:
        if batch.lower() not in ("true", "false"):
            raise BadRequestError("batch", f"must be true or false; got {batch!r}")
        filters["batch"] = frozenset({batch.lower() == "true"})
    return UsageQuery(
        provider="openai",
        start=snap(start_time, width),
        end=end_time,
        width=width,
        limit=limit,
        group_by=parse_group_by(params, OPENAI_DIMENSIONS),
        filters=filters,
        page=params.get("page"),
    )


def render(page: UsagePage) -> dict[str, Any]:
    return {
        "object": "page",
        "data": [
            {
                "object": "bucket",
                "start_time": to_unix(bucket.start),
                "end_time": to_unix(bucket.end),
                "results": [_result(row) for row in bucket.rows],
            }
            for bucket in page.buckets
        ],
        "has_more": page.has_more,
        "next_page": page.next_page,
    }


def fault_response(plan: FaultPlan) -> JSONResponse:
    kind, message, code = _FAULT_ERRORS.get(plan.status, _SERVER_ERROR)
    return _error(plan.status, kind, message, code=code, retry_after=plan.retry_after)


def _parse_unix(params: QueryParams, name: str) -> datetime | None:
    value = params.get(name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit():
        raise BadRequestError(name, f"must be Unix seconds; got {value!r}")
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (OverflowError, OSError, ValueError):
        raise BadRequestError(name, f"out of range: {value!r}") from None


def _result(row: Row) -> dict[str, Any]:
    result: dict[str, Any] = {"object": RESULT_OBJECT}
    result.update((name, row.metrics[name]) for name in _RESULT_METRICS)
    result.update((name, row.dims.get(name)) for name in OPENAI_DIMENSIONS)
    return result


def _error(
    status: int,
    kind: str,
    message: str,
    *,
    param: str | None = None,
    code: str | None = None,
    retry_after: int | None = None,
) -> JSONResponse:
    headers = {} if retry_after is None else {"retry-after": str(retry_after)}
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)
