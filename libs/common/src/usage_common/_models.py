"""Wire models: the messages on the three topics. Schema v1.

Every model here is frozen and refuses unknown fields: a producer that sends a field the
consumer does not know is a bug to surface, not data to drop. (Provider payloads are the
opposite and live in the normalizer: tolerant of extra fields, because providers add them.)
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from ._time import ensure_utc
from ._types import BucketWidth, CostSource, Provider, Source, UsageType

__all__ = [
    "CanonicalEvent",
    "ClaudeCodeEvent",
    "ClaudeCodeModelUsage",
    "CostEvent",
    "DeadLetter",
    "RawPage",
    "UsageEvent",
    "WireModel",
]


class WireModel(BaseModel, frozen=True, extra="forbid", strict=True):
    """Base of every message: immutable, closed, strict about types."""

    @field_validator("*", mode="after")
    @classmethod
    def _utc(cls, value: object) -> object:
        # One rule for every timestamp field of every model: stored and sent as UTC.
        return ensure_utc(value) if isinstance(value, datetime) else value


class RawPage(WireModel):
    """One HTTP page (or one CSV chunk) exactly as the provider returned it.

    It carries what is needed to interpret and to replay it, and never a secret:
    `credential_id` names the credential, the key itself stays in the fetcher.
    """

    schema_version: Literal[1] = 1
    page_id: str = Field(description="uuid4 hex, unique per fetched page")
    run_id: str | None = Field(default=None, description="fetch cycle that produced the page")
    provider: Provider
    organization_id: str = Field(description="tenant: the org the credential belongs to")
    credential_id: str = Field(description="name of the credential used; never the key")
    source: Source = "admin_api"
    endpoint: str = Field(examples=["messages", "completions"])
    request_path: str = Field(examples=["/v1/organizations/usage_report/messages"])
    request_params: list[tuple[str, str]] = Field(
        default_factory=list, description="query parameters as sent, in order"
    )
    bucket_width: BucketWidth | None = None
    page_number: int = Field(ge=1)
    fetched_at: AwareDatetime
    http_status: int
    content_type: str = "application/json"
    body: str = Field(description="the response body, verbatim")


class UsageEvent(WireModel):
    """One provider bucket x dimension combination, in canonical form.

    Input tokens are an additive partition, checked on construction:
    input_tokens = uncached + cache_read + cache_write, and
    cache_write >= cache_write_5m + cache_write_1h (the rest is write the provider did
    not split by TTL).
    """

    schema_version: Literal[1] = 1
    kind: Literal["usage"] = "usage"
    # Identity: every field down to `dimensions` is part of the dedupe key.
    provider: Provider
    organization_id: str
    source: Source
    usage_type: UsageType
    bucket_width: BucketWidth
    window_start: AwareDatetime
    window_end: AwareDatetime
    project_id: str | None = Field(default=None, description="OpenAI project / Anthropic workspace")
    api_key_id: str | None = None
    user_id: str | None = None
    model: str | None = None
    service_tier: str | None = None
    batch: bool | None = None
    context_window: str | None = None
    inference_geo: str | None = None
    dimensions: dict[str, str] = Field(
        default_factory=dict,
        description="endpoint-specific dimensions (account_id, speed, size, ...); nulls omitted",
    )
    # Measures.
    input_tokens: int = Field(ge=0)
    input_uncached_tokens: int = Field(ge=0)
    input_cache_read_tokens: int = Field(ge=0)
    input_cache_write_tokens: int = Field(ge=0)
    input_cache_write_5m_tokens: int = Field(ge=0)
    input_cache_write_1h_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    requests: int | None = Field(default=None, ge=0, description="null where the provider has none")
    web_search_requests: int | None = Field(default=None, ge=0)
    token_details: dict[str, int] = Field(
        default_factory=dict,
        description="per-modality breakdowns as reported; they overlap, never add them to totals",
    )
    units: dict[str, int] = Field(
        default_factory=dict,
        description="endpoint units: images, characters, seconds, usage_bytes, num_sessions",
    )
    cost_usd: Decimal | None = None
    cost_source: CostSource | None = None
    fetched_at: AwareDatetime

    @model_validator(mode="after")
    def _check_accounting(self) -> UsageEvent:
        parts = self.input_uncached_tokens + self.input_cache_read_tokens
        parts += self.input_cache_write_tokens
        if self.input_tokens != parts:
            raise ValueError(
                f"input_tokens {self.input_tokens} != uncached {self.input_uncached_tokens}"
                f" + cache_read {self.input_cache_read_tokens}"
                f" + cache_write {self.input_cache_write_tokens}"
            )
        split = self.input_cache_write_5m_tokens + self.input_cache_write_1h_tokens
        if split > self.input_cache_write_tokens:
            raise ValueError(
                f"cache_write_5m + cache_write_1h = {split}"
                f" exceeds input_cache_write_tokens {self.input_cache_write_tokens}"
            )
        if (self.cost_usd is None) != (self.cost_source is None):
            raise ValueError("cost_usd and cost_source must be both set or both null")
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start")
        return self


class CostEvent(WireModel):
    """One line of a provider cost report, in exact USD: the money of record.

    Anthropic reports cents as decimal strings, OpenAI dollars as numbers; both become
    `cost_usd` here, and `amount_reported` keeps the provider's figure verbatim.
    """

    schema_version: Literal[1] = 1
    kind: Literal["cost"] = "cost"
    # Identity: every field down to `dimensions` is part of the dedupe key.
    provider: Provider
    organization_id: str
    source: Source
    bucket_width: BucketWidth
    window_start: AwareDatetime
    window_end: AwareDatetime
    project_id: str | None = Field(default=None, description="OpenAI project / Anthropic workspace")
    api_key_id: str | None = None
    line_item: str | None = Field(
        default=None, description="OpenAI line_item / Anthropic description"
    )
    model: str | None = None
    cost_type: str | None = Field(default=None, examples=["tokens", "web_search"])
    token_type: str | None = Field(default=None, examples=["uncached_input_tokens"])
    service_tier: str | None = None
    context_window: str | None = None
    inference_geo: str | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)
    # Measures.
    cost_usd: Decimal
    currency: Literal["USD"] = "USD"
    amount_reported: str = Field(description="the provider's amount as written, in its unit")
    quantity: Decimal | None = None
    quantity_unit: str | None = None
    list_price_usd: Decimal | None = Field(default=None, description="console CSV only")
    fetched_at: AwareDatetime

    @model_validator(mode="after")
    def _check_window(self) -> CostEvent:
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start")
        return self


class ClaudeCodeModelUsage(WireModel):
    """Tokens and Anthropic's own estimated cost for one model, within one actor-day."""

    model: str
    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    cache_read_tokens: int = Field(ge=0)
    cache_creation_tokens: int = Field(ge=0)
    estimated_cost_usd: Decimal | None = None


class ClaudeCodeEvent(WireModel):
    """One Claude Code actor on one UTC day (usage_report/claude_code).

    Kept apart from `UsageEvent`s: API-key Claude Code usage also appears in the messages
    report, so adding these tokens to usage totals would count them twice.
    """

    schema_version: Literal[1] = 1
    kind: Literal["claude_code"] = "claude_code"
    # Identity: every field down to `terminal_type` is part of the dedupe key.
    provider: Literal["anthropic"] = "anthropic"
    organization_id: str
    source: Source
    day_start: AwareDatetime
    actor_type: str = Field(examples=["user_actor", "api_actor"])
    actor_id: str = Field(description="email address or API key name")
    customer_type: str | None = None
    terminal_type: str | None = None
    # Measures.
    subscription_type: str | None = None
    is_remote: bool | None = None
    num_sessions: int = Field(default=0, ge=0)
    lines_added: int = Field(default=0, ge=0)
    lines_removed: int = Field(default=0, ge=0)
    commits: int = Field(default=0, ge=0)
    pull_requests: int = Field(default=0, ge=0)
    tool_actions: dict[str, dict[str, int]] = Field(default_factory=dict)
    models: list[ClaudeCodeModelUsage] = Field(default_factory=list)
    fetched_at: AwareDatetime


CanonicalEvent = Annotated[UsageEvent | CostEvent | ClaudeCodeEvent, Field(discriminator="kind")]
"""What travels on the events topic; `kind` tells the records apart."""


class DeadLetter(WireModel):
    """A message a stage could not process, kept whole so it can be replayed after a fix."""

    schema_version: Literal[1] = 1
    stage: Literal["normalizer", "writer"]
    reason: str = Field(description="one line: what was wrong")
    errors: list[str] = Field(default_factory=list, description="validation errors, with paths")
    provider: str | None = None
    endpoint: str | None = None
    page_id: str | None = None
    source_topic: str
    original_b64: str = Field(description="the original message value, base64, byte for byte")
    failed_at: AwareDatetime
