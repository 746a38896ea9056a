"""The stable dedupe key: the same identity fetched, imported or replayed lands on one row."""

from __future__ import annotations

import hashlib
import json
from typing import Final

from ._models import RawPage, UsageEvent

__all__ = ["IDENTITY_FIELDS", "dedupe_key", "raw_page_key"]

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


def dedupe_key(event: UsageEvent) -> str:
    """sha256 hex of the identity fields; `None` is a value of the key, not a wildcard."""
    values = [
        event.window_start.strftime("%Y-%m-%dT%H:%M:%SZ")
        if name == "window_start"
        else getattr(event, name)
        for name in IDENTITY_FIELDS
    ]
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"v1|" + text.encode()).hexdigest()


def raw_page_key(page: RawPage) -> bytes:
    """Kafka key for a raw page: the request without its cursor, so a window stays together."""
    params = [(k, v) for k, v in page.request_params if k != "page"]
    text = json.dumps(
        [page.provider, page.organization_id, page.source, page.endpoint, params],
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest().encode()
