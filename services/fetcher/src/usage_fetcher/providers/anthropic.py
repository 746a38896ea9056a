"""Anthropic Admin API: usage_report endpoints (x-api-key auth, RFC 3339 windows)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import ClassVar, Literal

from usage_common import BucketWidth

from .base import EndpointSpec

__all__ = ["AnthropicApi"]

_VERSION = "2023-06-01"
_USER_AGENT = "usage-pipeline/0.1 (+https://github.com/usage-pipeline)"


def _rfc3339(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class AnthropicApi:
    provider: Literal["anthropic"] = "anthropic"
    endpoints: ClassVar[dict[str, EndpointSpec]] = {
        "messages": EndpointSpec(
            endpoint="messages",
            path="/v1/organizations/usage_report/messages",
            group_by=(
                "api_key_id",
                "workspace_id",
                "model",
                "service_tier",
                "context_window",
                "inference_geo",
            ),
        ),
    }

    def params(
        self, spec: EndpointSpec, start: datetime, end: datetime, width: BucketWidth
    ) -> list[tuple[str, str]]:
        params = [
            ("starting_at", _rfc3339(start)),
            ("ending_at", _rfc3339(end)),
            ("bucket_width", width),
            ("limit", str(spec.max_limit(width))),
        ]
        params += [("group_by[]", g) for g in spec.group_by]
        return params

    def headers(self, secret: str) -> dict[str, str]:
        return {"x-api-key": secret, "anthropic-version": _VERSION, "user-agent": _USER_AGENT}

    def error_detail(self, body: bytes) -> str:
        try:
            error = json.loads(body)["error"]
            return f"{error['type']}: {error['message']}"[:300]
        except (ValueError, KeyError, TypeError):
            return body[:200].decode(errors="replace")
