"""OpenAI Administration API: organization usage and costs (bearer auth, unix windows)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import ClassVar, Literal

from usage_common import BucketWidth

from .base import EndpointSpec

__all__ = ["OpenAIApi"]

_WHO = ("project_id", "user_id", "api_key_id")


_WHO_FILTERS = ("project_ids[]", "user_ids[]", "api_key_ids[]")
_FILTERS: dict[str, tuple[str, ...]] = {
    "completions": (*_WHO_FILTERS, "models[]", "batch"),
    "embeddings": (*_WHO_FILTERS, "models[]"),
    "moderations": (*_WHO_FILTERS, "models[]"),
    "images": (*_WHO_FILTERS, "models[]", "sources[]", "sizes[]"),
    "audio_speeches": (*_WHO_FILTERS, "models[]"),
    "audio_transcriptions": (*_WHO_FILTERS, "models[]"),
    "vector_stores": ("project_ids[]",),
    "code_interpreter_sessions": ("project_ids[]",),
    "file_search_calls": (*_WHO_FILTERS, "vector_store_ids[]"),
    "web_search_calls": (*_WHO_FILTERS, "models[]", "context_levels[]"),
}


def _usage(name: str, *group_by: str) -> EndpointSpec:
    return EndpointSpec(
        endpoint=name,
        path=f"/organization/usage/{name}",
        group_by=group_by,
        filters=_FILTERS[name],
    )


class OpenAIApi:
    provider: Literal["openai"] = "openai"
    endpoints: ClassVar[dict[str, EndpointSpec]] = {
        spec.endpoint: spec
        for spec in (
            _usage("completions", *_WHO, "model", "batch", "service_tier"),
            _usage("embeddings", *_WHO, "model"),
            _usage("moderations", *_WHO, "model"),
            _usage("images", *_WHO, "model", "size", "source"),
            _usage("audio_speeches", *_WHO, "model"),
            _usage("audio_transcriptions", *_WHO, "model"),
            _usage("vector_stores", "project_id"),
            _usage("code_interpreter_sessions", "project_id"),
            _usage("file_search_calls", *_WHO, "vector_store_id"),
            _usage("web_search_calls", *_WHO, "model", "context_level"),
            EndpointSpec(
                endpoint="costs",
                path="/organization/costs",
                group_by=("project_id", "line_item", "api_key_id"),
                filters=("project_ids[]", "api_key_ids[]"),
                widths=("1d",),
                # The API takes up to 180 days a page, but such a page runs past a megabyte
                # (a line per project, item and key per day): 31 days keep it well below.
                limits={"1d": 31},
                # Cost data arrives 24-48 h late.
                refetch_hours=72,
            ),
        )
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

    def headers(self, secret: str, spec: EndpointSpec) -> dict[str, str]:
        return {"authorization": f"Bearer {secret}", "user-agent": "usage-pipeline/0.1"}

    def error_detail(self, body: bytes) -> str:
        try:
            error = json.loads(body)["error"]
            return f"{error.get('type') or error.get('code')}: {error['message']}"[:300]
        except (ValueError, KeyError, TypeError):
            return body[:200].decode(errors="replace")
