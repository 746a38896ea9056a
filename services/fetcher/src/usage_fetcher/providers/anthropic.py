"""Anthropic Admin API: usage and cost reports (x-api-key auth, RFC 3339 windows)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import ClassVar, Literal

from usage_common import BucketWidth

from .base import EndpointSpec

__all__ = ["FAST_MODE_BETA", "AnthropicApi"]

_VERSION = "2023-06-01"
_USER_AGENT = "usage-pipeline/0.1"
FAST_MODE_BETA = "fast-mode-2026-02-01"
"""Beta header that makes the messages report accept `group_by[]=speed`."""


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
                "account_id",
                "service_account_id",
            ),
            filters=(
                "api_key_ids[]",
                "workspace_ids[]",
                "models[]",
                "service_tiers[]",
                "context_window[]",
                "inference_geos[]",
                "speeds[]",
                "account_ids[]",
                "service_account_ids[]",
            ),
        ),
        "cost_report": EndpointSpec(
            endpoint="cost_report",
            path="/v1/organizations/cost_report",
            group_by=("workspace_id", "description"),
            widths=("1d",),
            limits={"1d": 31},
            # Cost data arrives 24-48 h late.
            refetch_hours=72,
        ),
        "claude_code": EndpointSpec(
            endpoint="claude_code",
            path="/v1/organizations/usage_report/claude_code",
            widths=("1d",),
            limits={"1d": 1},
            shape="daily",
            record_limit=1000,
        ),
    }

    def __init__(self, fast_mode_beta: bool = False) -> None:
        self.fast_mode_beta = fast_mode_beta

    def params(
        self, spec: EndpointSpec, start: datetime, end: datetime, width: BucketWidth
    ) -> list[tuple[str, str]]:
        if spec.shape == "daily":
            return [("starting_at", start.strftime("%Y-%m-%d")), ("limit", str(spec.record_limit))]
        params = [
            ("starting_at", _rfc3339(start)),
            ("ending_at", _rfc3339(end)),
            ("bucket_width", width),
            ("limit", str(spec.max_limit(width))),
        ]
        group_by = list(spec.group_by)
        if spec.endpoint == "messages" and self.fast_mode_beta:
            group_by.append("speed")
        params += [("group_by[]", g) for g in group_by]
        return params

    def headers(self, secret: str, spec: EndpointSpec) -> dict[str, str]:
        headers = {"x-api-key": secret, "anthropic-version": _VERSION, "user-agent": _USER_AGENT}
        if spec.endpoint == "messages" and self.fast_mode_beta:
            headers["anthropic-beta"] = FAST_MODE_BETA
        return headers

    def error_detail(self, body: bytes) -> str:
        try:
            error = json.loads(body)["error"]
            return f"{error['type']}: {error['message']}"[:300]
        except (ValueError, KeyError, TypeError):
            return body[:200].decode(errors="replace")
