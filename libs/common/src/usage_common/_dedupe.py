"""The stable dedupe key: the same identity fetched, imported or replayed lands on one row."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Final

from ._models import ClaudeCodeEvent, CostEvent, RawPage, UsageEvent

__all__ = [
    "CLAUDE_CODE_IDENTITY_FIELDS",
    "COST_IDENTITY_FIELDS",
    "IDENTITY_FIELDS",
    "dedupe_key",
    "raw_page_key",
]

IDENTITY_FIELDS: Final[tuple[str, ...]] = (
    "provider",
    "organization_id",
    "source",
    "usage_type",
    "bucket_width",
    "window_start",
    "project_id",
    "api_key_id",
    "user_id",
    "model",
    "service_tier",
    "batch",
    "context_window",
    "inference_geo",
    "dimensions",
)
"""Changing this tuple or its encoding re-keys every row: bump the `v1` prefix if you do."""

COST_IDENTITY_FIELDS: Final[tuple[str, ...]] = (
    "provider",
    "organization_id",
    "source",
    "bucket_width",
    "window_start",
    "project_id",
    "api_key_id",
    "line_item",
    "model",
    "cost_type",
    "token_type",
    "service_tier",
    "context_window",
    "inference_geo",
    "dimensions",
)

CLAUDE_CODE_IDENTITY_FIELDS: Final[tuple[str, ...]] = (
    "provider",
    "organization_id",
    "source",
    "day_start",
    "actor_type",
    "actor_id",
    "customer_type",
    "terminal_type",
)

_FIELDS: Final = {
    "usage": IDENTITY_FIELDS,
    "cost": COST_IDENTITY_FIELDS,
    "claude_code": CLAUDE_CODE_IDENTITY_FIELDS,
}


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def dedupe_key(event: UsageEvent | CostEvent | ClaudeCodeEvent) -> str:
    """sha256 hex of the identity fields; `None` is a value of the key, not a wildcard.

    Usage keys are prefixed `v1|`, other kinds `v1|<kind>|`, so two kinds never collide.
    """
    values = [_encode(getattr(event, name)) for name in _FIELDS[event.kind]]
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    prefix = "v1|" if event.kind == "usage" else f"v1|{event.kind}|"
    return hashlib.sha256(prefix.encode() + text.encode()).hexdigest()


def raw_page_key(page: RawPage) -> bytes:
    """Kafka key for a raw page: the request without its cursor, so a window stays together."""
    params = [(k, v) for k, v in page.request_params if k != "page"]
    text = json.dumps(
        [page.provider, page.organization_id, page.source, page.endpoint, params],
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest().encode()
