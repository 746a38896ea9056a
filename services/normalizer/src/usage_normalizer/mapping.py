"""The one mapping from provider payloads to canonical records.

docs/mapping.md holds the same mapping as a table; change both together.

Input tokens are an additive partition (see `UsageEvent`):
- Anthropic reports the parts; the total is their sum. Its cache tokens come on top of
  `uncached_input_tokens`.
- OpenAI reports the total, which already includes cached and cache-write tokens; the
  uncached part is `input_uncached_tokens`, or the remainder when an older payload lacks it.
Money is exact: pages are parsed with every JSON number that has a fraction read as a
Decimal from its text, so an amount keeps all its digits. Anthropic amounts are cents,
OpenAI's dollars; both become USD.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from usage_common import (
    TOKEN_MEASURES,
    BucketWidth,
    ClaudeCodeEvent,
    ClaudeCodeModelUsage,
    CostEvent,
    InvalidPayloadError,
    RawPage,
    UsageEvent,
    UsageType,
)

from .console_csv import CSV_MAPPERS
from .payloads import (
    MODALITY_FIELDS,
    USAGE_RESULTS,
    AnthropicCostPage,
    AnthropicMessagesPage,
    ClaudeCodePage,
    OpenAICostsPage,
    OpenAIUsagePage,
)

__all__ = ["MAPPERS", "Mapper", "Record", "parse_page"]

Record = UsageEvent | CostEvent | ClaudeCodeEvent
Mapper = Callable[[RawPage], list[Record]]
M = TypeVar("M", bound=BaseModel)


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not a number")


def parse_page(model: type[M], body: str) -> M:
    """JSON text -> model, with fractional numbers as exact Decimals and strict types."""
    try:
        data = json.loads(body, parse_float=Decimal, parse_constant=_no_constants)
    except ValueError as exc:
        raise InvalidPayloadError(f"body is not JSON: {exc}") from None
    return model.model_validate(data)


def _bucket_width(raw: RawPage) -> BucketWidth:
    if raw.bucket_width is None:
        raise InvalidPayloadError("raw page has no bucket_width; cannot place its buckets")
    return raw.bucket_width


def _dims(**values: str | None) -> dict[str, str]:
    return {k: v for k, v in values.items() if v is not None}


def _usd(currency: str, where: str) -> None:
    if currency.upper() != "USD":
        raise InvalidPayloadError(f"{where}: currency {currency!r} is not USD; cannot store it")


# Anthropic -------------------------------------------------------------------------------


def map_anthropic_messages(raw: RawPage) -> list[Record]:
    page = parse_page(AnthropicMessagesPage, raw.body)
    width = _bucket_width(raw)
    events: list[Record] = []
    for bucket in page.data:
        for r in bucket.results:
            write_5m = r.cache_creation.ephemeral_5m_input_tokens
            write_1h = r.cache_creation.ephemeral_1h_input_tokens
            write = write_5m + write_1h
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
                    dimensions=_dims(
                        account_id=r.account_id,
                        service_account_id=r.service_account_id,
                        speed=r.speed,
                    ),
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


def map_anthropic_cost_report(raw: RawPage) -> list[Record]:
    page = parse_page(AnthropicCostPage, raw.body)
    events: list[Record] = []
    for bucket in page.data:
        for r in bucket.results:
            where = f"bucket {bucket.starting_at:%Y-%m-%d}"
            _usd(r.currency, where)
            try:
                cents = Decimal(r.amount)
            except ArithmeticError:
                raise InvalidPayloadError(
                    f"{where}: amount {r.amount!r} is not a decimal"
                ) from None
            if not cents.is_finite():
                raise InvalidPayloadError(f"{where}: amount {r.amount!r} is not a decimal")
            events.append(
                CostEvent(
                    provider="anthropic",
                    organization_id=raw.organization_id,
                    source=raw.source,
                    bucket_width="1d",
                    window_start=bucket.starting_at,
                    window_end=bucket.ending_at,
                    project_id=r.workspace_id,
                    line_item=r.description,
                    model=r.model,
                    cost_type=r.cost_type,
                    token_type=r.token_type,
                    service_tier=r.service_tier,
                    context_window=r.context_window,
                    inference_geo=r.inference_geo,
                    dimensions=_dims(speed=r.speed),
                    cost_usd=cents.scaleb(-2),  # exact: cents -> dollars moves the point
                    amount_reported=r.amount,
                    fetched_at=raw.fetched_at,
                )
            )
    return events


def map_anthropic_claude_code(raw: RawPage) -> list[Record]:
    page = parse_page(ClaudeCodePage, raw.body)
    events: list[Record] = []
    for r in page.data:
        actor_id = r.actor.email_address if r.actor.type == "user_actor" else r.actor.api_key_name
        if not actor_id:
            raise InvalidPayloadError(f"{r.actor.type} without its email_address/api_key_name")
        models = []
        for m in r.model_breakdown:
            cost = None
            if m.estimated_cost is not None:
                _usd(m.estimated_cost.currency, f"claude_code {r.date:%Y-%m-%d}")
                cost = m.estimated_cost.amount.scaleb(-2)  # cents
            models.append(
                ClaudeCodeModelUsage(
                    model=m.model,
                    input_tokens=m.tokens.input,
                    output_tokens=m.tokens.output,
                    cache_read_tokens=m.tokens.cache_read,
                    cache_creation_tokens=m.tokens.cache_creation,
                    estimated_cost_usd=cost,
                )
            )
        events.append(
            ClaudeCodeEvent(
                organization_id=raw.organization_id,
                source=raw.source,
                day_start=r.date,
                actor_type=r.actor.type,
                actor_id=actor_id,
                customer_type=r.customer_type,
                terminal_type=r.terminal_type,
                subscription_type=r.subscription_type,
                is_remote=r.is_remote,
                num_sessions=r.core_metrics.num_sessions,
                lines_added=r.core_metrics.lines_of_code.added,
                lines_removed=r.core_metrics.lines_of_code.removed,
                commits=r.core_metrics.commits_by_claude_code,
                pull_requests=r.core_metrics.pull_requests_by_claude_code,
                tool_actions={
                    name: {"accepted": a.accepted, "rejected": a.rejected}
                    for name, a in r.tool_actions.items()
                },
                models=models,
                fetched_at=raw.fetched_at,
            )
        )
    return events


# OpenAI ----------------------------------------------------------------------------------

_NO_TOKENS: dict[str, int] = dict.fromkeys(TOKEN_MEASURES, 0)


def _openai_measures(endpoint: str, r: Any, where: str) -> dict[str, Any]:
    """Measure columns of one OpenAI usage result (see docs/mapping.md)."""
    if endpoint == "completions":
        cached = r.input_cached_tokens or 0
        write = r.input_cache_write_tokens or 0
        uncached = (
            r.input_uncached_tokens
            if r.input_uncached_tokens is not None
            else r.input_tokens - cached - write
        )
        if cached + write + uncached != r.input_tokens:
            raise InvalidPayloadError(
                f"{where}: input_tokens {r.input_tokens} != cached {cached}"
                f" + cache_write {write} + uncached {uncached}"
            )
        return {
            "input_tokens": r.input_tokens,
            "input_uncached_tokens": uncached,
            "input_cache_read_tokens": cached,
            "input_cache_write_tokens": write,
            # OpenAI does not split cache writes by TTL: the write stays unsplit.
            "input_cache_write_5m_tokens": 0,
            "input_cache_write_1h_tokens": 0,
            "output_tokens": r.output_tokens,
            "requests": r.num_model_requests,
            "token_details": {f: v for f in MODALITY_FIELDS if (v := getattr(r, f)) is not None},
        }
    if endpoint in ("embeddings", "moderations"):
        tokens = dict(_NO_TOKENS, input_tokens=r.input_tokens, input_uncached_tokens=r.input_tokens)
        return {**tokens, "requests": r.num_model_requests}
    units = {
        "images": {"images"},
        "audio_speeches": {"characters"},
        "audio_transcriptions": {"seconds"},
        "vector_stores": {"usage_bytes"},
        "code_interpreter_sessions": {"num_sessions"},
    }.get(endpoint, set())
    measures: dict[str, Any] = dict(_NO_TOKENS, units={u: getattr(r, u) for u in units})
    if endpoint == "file_search_calls":
        measures["requests"] = r.num_requests
    elif endpoint == "web_search_calls":
        measures["requests"] = r.num_model_requests
        measures["web_search_requests"] = r.num_requests
    elif hasattr(r, "num_model_requests"):
        measures["requests"] = r.num_model_requests
    return measures


def _map_openai_usage(endpoint: UsageType) -> Mapper:
    # A generic page model per endpoint, built once; `Any` because the parameter is data.
    page_model: Any = cast(Any, OpenAIUsagePage)[USAGE_RESULTS[endpoint]]

    def mapper(raw: RawPage) -> list[Record]:
        page = parse_page(page_model, raw.body)
        width = _bucket_width(raw)
        events: list[Record] = []
        for bucket in page.data:
            start = datetime.fromtimestamp(bucket.start_time, UTC)
            end = datetime.fromtimestamp(bucket.end_time, UTC)
            for r in bucket.results:
                get = r.__dict__.get
                events.append(
                    UsageEvent(
                        provider="openai",
                        organization_id=raw.organization_id,
                        source=raw.source,
                        usage_type=endpoint,
                        bucket_width=width,
                        window_start=start,
                        window_end=end,
                        project_id=get("project_id"),
                        api_key_id=get("api_key_id"),
                        user_id=get("user_id"),
                        model=get("model"),
                        service_tier=get("service_tier"),
                        batch=get("batch"),
                        dimensions=_dims(
                            size=get("size"),
                            source=get("source"),
                            context_level=get("context_level"),
                            vector_store_id=get("vector_store_id"),
                        ),
                        fetched_at=raw.fetched_at,
                        **_openai_measures(endpoint, r, f"bucket {bucket.start_time}"),
                    )
                )
        return events

    return mapper


def map_openai_costs(raw: RawPage) -> list[Record]:
    page = parse_page(OpenAICostsPage, raw.body)
    events: list[Record] = []
    for bucket in page.data:
        start = datetime.fromtimestamp(bucket.start_time, UTC)
        end = datetime.fromtimestamp(bucket.end_time, UTC)
        if end - start != timedelta(days=1):
            raise InvalidPayloadError(f"cost bucket {bucket.start_time} is not one day")
        for r in bucket.results:
            if r.amount is None:
                raise InvalidPayloadError(f"cost bucket {bucket.start_time}: result without amount")
            _usd(r.amount.currency, f"cost bucket {bucket.start_time}")
            value = r.amount.value
            events.append(
                CostEvent(
                    provider="openai",
                    organization_id=raw.organization_id,
                    source=raw.source,
                    bucket_width="1d",
                    window_start=start,
                    window_end=end,
                    project_id=r.project_id,
                    api_key_id=r.api_key_id,
                    line_item=r.line_item,
                    cost_usd=Decimal(value),
                    amount_reported=str(value),
                    quantity=r.quantity,
                    quantity_unit=r.quantity_unit,
                    fetched_at=raw.fetched_at,
                )
            )
    return events


MAPPERS: dict[tuple[str, str], Mapper] = {
    ("anthropic", "messages"): map_anthropic_messages,
    ("anthropic", "cost_report"): map_anthropic_cost_report,
    ("anthropic", "claude_code"): map_anthropic_claude_code,
    **{("openai", name): _map_openai_usage(name) for name in USAGE_RESULTS},  # type: ignore[arg-type]
    ("openai", "costs"): map_openai_costs,
    # Console exports travel the same path: raw page (CSV text) -> canonical records.
    **CSV_MAPPERS,
}
