"""The one mapping from provider payloads to canonical `UsageEvent`s.

docs/mapping.md holds the same mapping as a table; change both together.

Input tokens are an additive partition (see `UsageEvent`):
- Anthropic reports the parts; the total is their sum. Its cache tokens come on top of
  `uncached_input_tokens`.
- OpenAI reports the total, which already includes cached and cache-write tokens; the
  uncached part is `input_uncached_tokens`, or the remainder when an older payload lacks it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from usage_common import BucketWidth, InvalidPayloadError, RawPage, UsageEvent

from .payloads import (
    MODALITY_FIELDS,
    AnthropicMessagesPage,
    OpenAICompletionsPage,
)

__all__ = ["MAPPERS", "Mapper", "map_anthropic_messages", "map_openai_completions"]

Mapper = Callable[[RawPage], list[UsageEvent]]


def _bucket_width(raw: RawPage) -> BucketWidth:
    if raw.bucket_width is None:
        raise InvalidPayloadError("raw page has no bucket_width; cannot place its buckets")
    return raw.bucket_width


def map_anthropic_messages(raw: RawPage) -> list[UsageEvent]:
    page = AnthropicMessagesPage.model_validate_json(raw.body)
    width = _bucket_width(raw)
    events: list[UsageEvent] = []
    for bucket in page.data:
        for r in bucket.results:
            write_5m = r.cache_creation.ephemeral_5m_input_tokens
            write_1h = r.cache_creation.ephemeral_1h_input_tokens
            write = write_5m + write_1h
            dims = {
                k: v
                for k, v in (
                    ("account_id", r.account_id),
                    ("service_account_id", r.service_account_id),
                    ("speed", r.speed),
                )
                if v is not None
            }
            events.append(
                UsageEvent(
                    provider="anthropic",
                    organization_id=raw.organization_id,
                    source=raw.source,
                    usage_type="messages",
                    bucket_width=width,
                    window_start=bucket.starting_at,
                    window_end=bucket.ending_at,
                    project_id=r.workspace_id,
                    api_key_id=r.api_key_id,
                    model=r.model,
                    service_tier=r.service_tier,
                    context_window=r.context_window,
                    inference_geo=r.inference_geo,
                    dimensions=dims,
                    input_tokens=r.uncached_input_tokens + r.cache_read_input_tokens + write,
                    input_uncached_tokens=r.uncached_input_tokens,
                    input_cache_read_tokens=r.cache_read_input_tokens,
                    input_cache_write_tokens=write,
                    input_cache_write_5m_tokens=write_5m,
                    input_cache_write_1h_tokens=write_1h,
                    output_tokens=r.output_tokens,
                    requests=None,  # Anthropic reports no request count: null, not 0
                    web_search_requests=(
                        r.server_tool_use.web_search_requests if r.server_tool_use else None
                    ),
                    fetched_at=raw.fetched_at,
                )
            )
    return events


def map_openai_completions(raw: RawPage) -> list[UsageEvent]:
    page = OpenAICompletionsPage.model_validate_json(raw.body)
    width = _bucket_width(raw)
    events: list[UsageEvent] = []
    for bucket in page.data:
        start = datetime.fromtimestamp(bucket.start_time, UTC)
        end = datetime.fromtimestamp(bucket.end_time, UTC)
        for r in bucket.results:
            cached = r.input_cached_tokens or 0
            write = r.input_cache_write_tokens or 0
            uncached = (
                r.input_uncached_tokens
                if r.input_uncached_tokens is not None
                else r.input_tokens - cached - write
            )
            if cached + write + uncached != r.input_tokens:
                raise InvalidPayloadError(
                    f"bucket {bucket.start_time}: input_tokens {r.input_tokens} != cached"
                    f" {cached} + cache_write {write} + uncached {uncached}"
                )
            details = {f: v for f in MODALITY_FIELDS if (v := getattr(r, f)) is not None}
            events.append(
                UsageEvent(
                    provider="openai",
                    organization_id=raw.organization_id,
                    source=raw.source,
                    usage_type="completions",
                    bucket_width=width,
                    window_start=start,
                    window_end=end,
                    project_id=r.project_id,
                    api_key_id=r.api_key_id,
                    user_id=r.user_id,
                    model=r.model,
                    service_tier=r.service_tier,
                    batch=r.batch,
                    input_tokens=r.input_tokens,
                    input_uncached_tokens=uncached,
                    input_cache_read_tokens=cached,
                    input_cache_write_tokens=write,
                    # OpenAI does not split cache writes by TTL: the write stays unsplit.
                    input_cache_write_5m_tokens=0,
                    input_cache_write_1h_tokens=0,
                    output_tokens=r.output_tokens,
                    requests=r.num_model_requests,
                    web_search_requests=None,
                    token_details=details,
                    fetched_at=raw.fetched_at,
                )
            )
    return events


MAPPERS: dict[tuple[str, str], Mapper] = {
    ("anthropic", "messages"): map_anthropic_messages,
    ("openai", "completions"): map_openai_completions,
}
