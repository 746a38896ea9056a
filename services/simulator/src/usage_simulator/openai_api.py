"""Fake OpenAI Administration API: GET /v1/organization/usage/{X}, every X.

Checks and error shapes are `openai_http`'s. All endpoints share `start_time`
(required), `end_time` (exclusive on bucket starts), `bucket_width` (1m/1h/1d),
`limit` (per width), `page` and `project_ids`; each has its own filters, `group_by`
values and result `object` (`ENDPOINTS`). Result fields: the endpoint's metrics, then
every group_by field, null unless grouped by it.

When `end_time` is omitted, buckets run up to now, `limit` per page, with `has_more`
and a cursor for the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.responses import JSONResponse

from .buckets import snap
from .config import SimulatorConfig
from .data import Row
from .datasets import dataset_for
from .errors import BadRequestError
from .openai_endpoints import CONTEXT_LEVELS, IMAGE_SIZES, IMAGE_SOURCES
from .openai_http import authenticate, bad_request, parse_window, render_page
from .pages import UsagePage, build_page
from .query import Filter, UsageQuery, parse_filters, parse_group_by, parse_limit, parse_width

__all__ = [
    "ENDPOINTS",
    "PATH",
    "RESULT_OBJECT",
    "USAGE_PREFIX",
    "UsageEndpoint",
    "parse_query",
    "render",
    "respond",
]

USAGE_PREFIX = "/v1/organization/usage/"
PATH = USAGE_PREFIX + "completions"
RESULT_OBJECT = "organization.usage.completions.result"

_PROJECT: dict[str, Filter] = {"project_ids": ("project_id", None)}
_OWNED: dict[str, Filter] = {
    **_PROJECT,
    "user_ids": ("user_id", None),
    "api_key_ids": ("api_key_id", None),
}
_MODELS: dict[str, Filter] = {**_OWNED, "models": ("model", None)}


@dataclass(frozen=True, slots=True)
class UsageEndpoint:
    """The API surface of one usage endpoint; its data is `datasets.dataset_for`.

    Parameters:
        name: the `{X}` path segment.
        result_object: the `object` of each result.
        filters: array filter parameter -> (dimension, accepted values or None).
        batch_filter: whether the boolean `batch` filter exists (completions only).
    """

    name: str
    result_object: str
    filters: Mapping[str, Filter] = field(default_factory=lambda: MappingProxyType({}))
    batch_filter: bool = False

    @property
    def path(self) -> str:
        return USAGE_PREFIX + self.name


def _endpoint(
    name: str, filters: Mapping[str, Filter], *, result: str | None = None, batch: bool = False
) -> UsageEndpoint:
    obj = f"organization.usage.{result or name}.result"
    return UsageEndpoint(name, obj, MappingProxyType(dict(filters)), batch)


ENDPOINTS: Mapping[str, UsageEndpoint] = MappingProxyType(
    {
        "completions": _endpoint("completions", _MODELS, batch=True),
        "embeddings": _endpoint("embeddings", _MODELS),
        "moderations": _endpoint("moderations", _MODELS),
        "images": _endpoint(
            "images",
            {
                **_MODELS,
                "sources": ("source", IMAGE_SOURCES),
                "sizes": ("size", IMAGE_SIZES),
            },
        ),
        "audio_speeches": _endpoint("audio_speeches", _MODELS),
        "audio_transcriptions": _endpoint("audio_transcriptions", _MODELS),
        "vector_stores": _endpoint("vector_stores", _PROJECT),
        "code_interpreter_sessions": _endpoint("code_interpreter_sessions", _PROJECT),
        "file_search_calls": _endpoint(
            "file_search_calls",
            {**_OWNED, "vector_store_ids": ("vector_store_id", None)},
            result="file_searches",
        ),
        "web_search_calls": _endpoint(
            "web_search_calls",
            {**_MODELS, "context_levels": ("context_level", CONTEXT_LEVELS)},
            result="web_searches",
        ),
    }
)
"""Path segment -> endpoint, one per `/v1/organization/usage/{X}`."""


def respond(
    headers: Headers,
    params: QueryParams,
    config: SimulatorConfig,
    endpoint: str = "completions",
) -> JSONResponse:
    """Answer one usage request exactly as the endpoint would (minus injected faults)."""
    refused = authenticate(headers, config)
    if refused is not None:
        return refused
    spec = ENDPOINTS[endpoint]
    try:
        query = parse_query(params, spec)
        page = build_page(query, seed=config.seed, now=config.now())
    except BadRequestError as exc:
        return bad_request(exc)
    return JSONResponse(render(page, spec))


def parse_query(params: QueryParams, spec: UsageEndpoint = ENDPOINTS["completions"]) -> UsageQuery:
    width = parse_width(params)
    limit = parse_limit(params, width)
    start_time, end_time = parse_window(params)
    filters = parse_filters(params, spec.filters)
    batch = params.get("batch")
    if spec.batch_filter and batch is not None:
        if batch.lower() not in ("true", "false"):
            raise BadRequestError("batch", f"must be true or false; got {batch!r}")
        filters["batch"] = frozenset({batch.lower() == "true"})
    dataset = dataset_for("openai", spec.name)
    return UsageQuery(
        provider="openai",
        endpoint="" if spec.name == "completions" else spec.name,
        start=snap(start_time, width),
        end=end_time,
        width=width,
        limit=limit,
        group_by=parse_group_by(params, dataset.dimensions),
        filters=filters,
        page=params.get("page"),
    )


def render(page: UsagePage, spec: UsageEndpoint = ENDPOINTS["completions"]) -> dict[str, Any]:
    dataset = dataset_for("openai", spec.name)
    return render_page(
        page, lambda row: _result(row, spec.result_object, dataset.metrics, dataset.dimensions)
    )


def _result(
    row: Row, result_object: str, metrics: tuple[str, ...], dimensions: tuple[str, ...]
) -> dict[str, Any]:
    result: dict[str, Any] = {"object": result_object}
    result.update((name, row.metrics[name]) for name in metrics)
    result.update((name, row.dims.get(name)) for name in dimensions)
    return result
