"""OpenAI Administration API: organization usage endpoints (bearer auth, unix windows)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import ClassVar, Literal

from usage_common import BucketWidth

from .base import EndpointSpec

__all__ = ["OpenAIApi"]


class OpenAIApi:
    provider: Literal["openai"] = "openai"
    endpoints: ClassVar[dict[str, EndpointSpec]] = {
        "completions": EndpointSpec(
            endpoint="completions",
            path="/organization/usage/completions",
            group_by=("project_id", "user_id", "api_key_id", "model", "batch", "service_tier"),
        ),
    }

    def params(
        self, spec: EndpointSpec, start: datetime, end: datetime, width: BucketWidth
    ) -> list[tuple[str, str]]:
        params = [
            ("start_time", str(int(start.timestamp()))),
            ("end_time", str(int(end.timestamp()))),
            ("bucket_width", width),
            ("limit", str(spec.max_limit(width))),
        ]
        params += [("group_by[]", g) for g in spec.group_by]
        return params

    def headers(self, secret: str) -> dict[str, str]:
        return {"authorization": f"Bearer {secret}", "user-agent": "usage-pipeline/0.1"}

    def error_detail(self, body: bytes) -> str:
        try:
            error = json.loads(body)["error"]
            return f"{error.get('type') or error.get('code')}: {error['message']}"[:300]
        except (ValueError, KeyError, TypeError):
            return body[:200].decode(errors="replace")
