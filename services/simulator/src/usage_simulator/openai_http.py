"""What every fake OpenAI Administration endpoint shares: auth, errors, Unix times.

Order of checks: bearer token (401), then the endpoint's parameters (400). Error
bodies follow OpenAI's shape: `{"error":{"message","type","param","code"}}`.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from starlette.datastructures import Headers, QueryParams
from starlette.responses import JSONResponse

from .buckets import to_unix
from .config import SimulatorConfig
from .errors import BadRequestError
from .faults import FaultPlan
from .pages import Page

R = TypeVar("R")

__all__ = [
    "authenticate",
    "bad_request",
    "error",
    "fault_response",
    "parse_unix",
    "parse_window",
    "render_page",
]

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


def authenticate(headers: Headers, config: SimulatorConfig) -> JSONResponse | None:
    """The 401 a request without the admin bearer token gets, or None to go on."""
    authorization = headers.get("authorization")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error(401, "invalid_request_error", _NO_KEY, code="invalid_api_key")
    if not hmac.compare_digest(token.strip().encode(), config.openai_admin_key.encode()):
        return error(401, "invalid_request_error", _BAD_KEY, code="invalid_api_key")
    return None


def parse_unix(params: QueryParams, name: str) -> datetime | None:
    value = params.get(name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit():
        raise BadRequestError(name, f"must be Unix seconds; got {value!r}")
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (OverflowError, OSError, ValueError):
        raise BadRequestError(name, f"out of range: {value!r}") from None


def parse_window(params: QueryParams) -> tuple[datetime, datetime | None]:
    """(start_time, end_time): start required, end optional and after start."""
    start_time = parse_unix(params, "start_time")
    if start_time is None:
        raise BadRequestError("start_time", "missing required parameter")
    end_time = parse_unix(params, "end_time")
    if end_time is not None and end_time <= start_time:
        raise BadRequestError("end_time", "must be greater than start_time")
    return start_time, end_time


def render_page(page: Page[R], result: Callable[[R], dict[str, Any]]) -> dict[str, Any]:
    """A page body: buckets with Unix-second bounds, each row through `result`."""
    return {
        "object": "page",
        "data": [
            {
                "object": "bucket",
                "start_time": to_unix(bucket.start),
                "end_time": to_unix(bucket.end),
                "results": [result(row) for row in bucket.rows],
            }
            for bucket in page.buckets
        ],
        "has_more": page.has_more,
        "next_page": page.next_page,
    }


def fault_response(plan: FaultPlan) -> JSONResponse:
    kind, message, code = _FAULT_ERRORS.get(plan.status, _SERVER_ERROR)
    return error(plan.status, kind, message, code=code, retry_after=plan.retry_after)


def bad_request(exc: BadRequestError) -> JSONResponse:
    return error(400, "invalid_request_error", str(exc), param=exc.param)


def error(
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
