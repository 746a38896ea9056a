"""What every fake Anthropic Admin endpoint shares: auth, headers, errors, timestamps.

Order of checks on every endpoint: `x-api-key` (401), `anthropic-version` (400), then
the endpoint's parameters (400). Error bodies follow Anthropic's shape:
`{"type":"error","error":{"type":...,"message":...},"request_id":"req_..."}`.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from starlette.datastructures import Headers, QueryParams
from starlette.responses import JSONResponse

from .config import SimulatorConfig
from .errors import BadRequestError
from .faults import FaultPlan
from .pages import Page

R = TypeVar("R")

__all__ = [
    "FAST_MODE_BETA",
    "authenticate",
    "bad_request",
    "betas",
    "error",
    "fault_response",
    "parse_rfc3339",
    "parse_window",
    "render_page",
    "request_id_header",
    "timestamp",
]

FAST_MODE_BETA = "fast-mode-2026-02-01"

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_FAULT_ERRORS: dict[int, tuple[str, str]] = {
    429: ("rate_limit_error", "Rate limit exceeded; retry after the indicated delay."),
    529: ("overloaded_error", "Overloaded"),
}


def authenticate(headers: Headers, config: SimulatorConfig) -> JSONResponse | None:
    """The 401/400 an unauthenticated or version-less request gets, or None to go on."""
    api_key = headers.get("x-api-key")
    if api_key is None:
        return error(401, "authentication_error", "x-api-key header is required")
    if not hmac.compare_digest(api_key.encode(), config.anthropic_admin_key.encode()):
        return error(401, "authentication_error", "invalid x-api-key")
    if not headers.get("anthropic-version"):
        return error(400, "invalid_request_error", "anthropic-version: header is required")
    return None


def betas(headers: Headers) -> set[str]:
    """Every beta named in `anthropic-beta` headers (comma-separated, repeatable)."""
    return {
        beta.strip()
        for value in headers.getlist("anthropic-beta")
        for beta in value.split(",")
        if beta.strip()
    }


def parse_rfc3339(param: str, value: str) -> datetime:
    if _RFC3339.fullmatch(value) is None:
        raise BadRequestError(param, f"must be an RFC 3339 timestamp; got {value!r}")
    normalized = value.upper().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(normalized).astimezone(UTC)
    except ValueError:
        raise BadRequestError(param, f"not a valid timestamp: {value!r}") from None


def parse_window(params: QueryParams) -> tuple[datetime, datetime | None]:
    """(starting_at, ending_at): start required, end optional and after start."""
    raw_start = params.get("starting_at")
    if raw_start is None:
        raise BadRequestError("starting_at", "field required")
    starting_at = parse_rfc3339("starting_at", raw_start)
    raw_end = params.get("ending_at")
    ending_at = None if raw_end is None else parse_rfc3339("ending_at", raw_end)
    if ending_at is not None and ending_at <= starting_at:
        raise BadRequestError("ending_at", "must be after starting_at")
    return starting_at, ending_at


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_page(page: Page[R], result: Callable[[R], dict[str, Any]]) -> dict[str, Any]:
    """A page body: buckets with RFC 3339 bounds, each row through `result`."""
    return {
        "data": [
            {
                "starting_at": timestamp(bucket.start),
                "ending_at": timestamp(bucket.end),
                "results": [result(row) for row in bucket.rows],
            }
            for bucket in page.buckets
        ],
        "has_more": page.has_more,
        "next_page": page.next_page,
    }


def fault_response(plan: FaultPlan) -> JSONResponse:
    kind, message = _FAULT_ERRORS.get(plan.status, ("api_error", "Internal server error"))
    return error(plan.status, kind, message, retry_after=plan.retry_after)


def bad_request(exc: BadRequestError) -> JSONResponse:
    return error(400, "invalid_request_error", str(exc))


def request_id_header() -> dict[str, str]:
    return {"request-id": "req_" + secrets.token_hex(12)}


def error(status: int, kind: str, message: str, *, retry_after: int | None = None) -> JSONResponse:
    headers = request_id_header()
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    body = {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": headers["request-id"],
    }
    return JSONResponse(body, status_code=status, headers=headers)
