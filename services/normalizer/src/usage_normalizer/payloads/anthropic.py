"""Anthropic Admin API payloads: usage_report/messages, cost_report, usage_report/claude_code."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import JsonNumber, ProviderPayload, Timestamp

__all__ = [
    "AnthropicCostPage",
    "AnthropicMessagesPage",
    "AnthropicMessagesResult",
    "ClaudeCodePage",
]


class CacheCreation(ProviderPayload):
    ephemeral_5m_input_tokens: int = Field(ge=0)
    ephemeral_1h_input_tokens: int = Field(ge=0)


class ServerToolUse(ProviderPayload):
    web_search_requests: int = Field(default=0, ge=0)


class AnthropicMessagesResult(ProviderPayload):
    uncached_input_tokens: int = Field(ge=0)
    cache_creation: CacheCreation
    cache_read_input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    server_tool_use: ServerToolUse | None = None
    # Dimensions: null unless grouped by (and in the documented special cases).
    api_key_id: str | None = None
    workspace_id: str | None = None
    model: str | None = None
    service_tier: str | None = None
    context_window: str | None = None
    inference_geo: str | None = None
    account_id: str | None = None
    service_account_id: str | None = None
    speed: str | None = None


class AnthropicMessagesBucket(ProviderPayload):
    starting_at: Timestamp
    ending_at: Timestamp
    results: list[AnthropicMessagesResult]


class AnthropicMessagesPage(ProviderPayload):
    data: list[AnthropicMessagesBucket]
    has_more: bool
    next_page: str | None = None


class AnthropicCostResult(ProviderPayload):
    # A decimal string in cents: "123.45" is $1.2345. Never a float.
    amount: str
    currency: str
    cost_type: str | None = None
    description: str | None = None
    model: str | None = None
    token_type: str | None = None
    service_tier: str | None = None
    context_window: str | None = None
    inference_geo: str | None = None
    workspace_id: str | None = None
    speed: str | None = None


class AnthropicCostBucket(ProviderPayload):
    starting_at: Timestamp
    ending_at: Timestamp
    results: list[AnthropicCostResult]


class AnthropicCostPage(ProviderPayload):
    data: list[AnthropicCostBucket]
    has_more: bool
    next_page: str | None = None


class ClaudeCodeActor(ProviderPayload):
    type: Literal["user_actor", "api_actor"]
    email_address: str | None = None
    api_key_name: str | None = None


class LinesOfCode(ProviderPayload):
    added: int = Field(ge=0)
    removed: int = Field(ge=0)


class CoreMetrics(ProviderPayload):
    num_sessions: int = Field(ge=0)
    lines_of_code: LinesOfCode
    commits_by_claude_code: int = Field(ge=0)
    pull_requests_by_claude_code: int = Field(ge=0)


class ModelTokens(ProviderPayload):
    input: int = Field(ge=0)
    output: int = Field(ge=0)
    cache_read: int = Field(ge=0)
    cache_creation: int = Field(ge=0)


class EstimatedCost(ProviderPayload):
    # Cents, as a JSON number: parsed to Decimal from the text (see mapping), never a float.
    amount: JsonNumber
    currency: str


class ModelBreakdown(ProviderPayload):
    model: str
    tokens: ModelTokens
    estimated_cost: EstimatedCost | None = None


class ToolAction(ProviderPayload):
    accepted: int = Field(default=0, ge=0)
    rejected: int = Field(default=0, ge=0)


class ClaudeCodeRecord(ProviderPayload):
    actor: ClaudeCodeActor
    core_metrics: CoreMetrics
    date: Timestamp
    customer_type: str | None = None
    subscription_type: str | None = None
    terminal_type: str | None = None
    is_remote: bool | None = None
    organization_id: str | None = None
    model_breakdown: list[ModelBreakdown] = Field(default_factory=list)
    tool_actions: dict[str, ToolAction] = Field(default_factory=dict)


class ClaudeCodePage(ProviderPayload):
    data: list[ClaudeCodeRecord]
    has_more: bool
    next_page: str | None = None
