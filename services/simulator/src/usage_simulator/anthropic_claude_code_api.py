"""Fake Anthropic Admin API: GET /v1/organizations/usage_report/claude_code.

Checks and error shapes are `anthropic_http`'s. Parameters: `starting_at` (required,
one UTC date `YYYY-MM-DD`: that day only), `limit` (records per page, default 20,
1-1000), `page` (opaque cursor, tied to the day).

A day is served once it has ended (the real report lags by up to an hour; the
simulator holds the whole day back): today and later days return no records.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.responses import JSONResponse

from .anthropic_http import authenticate, bad_request, request_id_header
from .catalogue import ORGANIZATION
from .claude_code import ClaudeCodeRecord, claude_code_records
from .config import SimulatorConfig
from .cursor import decode_offset, encode_offset
from .errors import BadRequestError
from .exact_json import ExactJSONResponse

__all__ = ["LIMITS", "PATH", "render_record", "respond"]

PATH = "/v1/organizations/usage_report/claude_code"
LIMITS = (20, 1000)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def respond(headers: Headers, params: QueryParams, config: SimulatorConfig) -> JSONResponse:
    refused = authenticate(headers, config)
    if refused is not None:
        return refused
    try:
        day, limit, offset, fingerprint = _parse(params)
    except BadRequestError as exc:
        return bad_request(exc)
    now = config.now()
    ended = datetime.combine(day, datetime.min.time(), UTC) + timedelta(days=1) <= now
    records = claude_code_records(day, config.seed) if ended else []
    if offset > len(records):
        return bad_request(BadRequestError("page", "page token does not belong to this query"))
    chunk = records[offset : offset + limit]
    next_offset = offset + len(chunk)
    has_more = next_offset < len(records)
    body = {
        "data": [render_record(record) for record in chunk],
        "has_more": has_more,
        "next_page": encode_offset(next_offset, fingerprint) if has_more else None,
    }
    return ExactJSONResponse(body, headers=request_id_header())


def render_record(record: ClaudeCodeRecord) -> dict[str, Any]:
    actor = record.actor
    identity = "email_address" if actor.kind == "user_actor" else "api_key_name"
    return {
        "actor": {"type": actor.kind, identity: actor.ident},
        "core_metrics": {
            "num_sessions": record.num_sessions,
            "lines_of_code": {"added": record.lines_added, "removed": record.lines_removed},
            "commits_by_claude_code": record.commits,
            "pull_requests_by_claude_code": record.pull_requests,
        },
        "customer_type": actor.customer_type,
        "subscription_type": actor.subscription_type,
        "date": f"{record.day.isoformat()}T00:00:00Z",
        "is_remote": record.is_remote,
        "organization_id": ORGANIZATION["anthropic"][0],
        "terminal_type": record.terminal_type,
        "model_breakdown": [
            {
                "model": usage.model,
                "tokens": {
                    "input": usage.input,
                    "output": usage.output,
                    "cache_read": usage.cache_read,
                    "cache_creation": usage.cache_creation,
                },
                "estimated_cost": {"amount": usage.estimated_cost_cents, "currency": "USD"},
            }
            for usage in record.models
        ],
        "tool_actions": {
            tool: {"accepted": accepted, "rejected": rejected}
            for tool, (accepted, rejected) in record.tool_actions.items()
        },
    }


def _parse(params: QueryParams) -> tuple[date, int, int, str]:
    raw = params.get("starting_at")
    if raw is None:
        raise BadRequestError("starting_at", "field required")
    if _DATE.fullmatch(raw) is None:
        raise BadRequestError("starting_at", f"must be a UTC date YYYY-MM-DD; got {raw!r}")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise BadRequestError("starting_at", f"not a valid date: {raw!r}") from None
    default, maximum = LIMITS
    raw_limit = params.get("limit")
    limit = default
    if raw_limit is not None:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise BadRequestError("limit", f"must be an integer; got {raw_limit!r}") from None
        if not 1 <= limit <= maximum:
            raise BadRequestError("limit", f"must be between 1 and {maximum}; got {limit}")
    fingerprint = hashlib.sha256(f"claude_code|{day.isoformat()}".encode()).hexdigest()[:16]
    page = params.get("page")
    offset = 0 if page is None else decode_offset(page, fingerprint)
    if offset < 0:
        raise BadRequestError("page", "malformed page token")
    return day, limit, offset, fingerprint
