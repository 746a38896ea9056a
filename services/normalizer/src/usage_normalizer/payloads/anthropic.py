"""Anthropic Admin API payloads: GET /v1/organizations/usage_report/messages."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from .base import ProviderPayload

__all__ = ["AnthropicMessagesPage", "AnthropicMessagesResult"]


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
    starting_at: AwareDatetime
    ending_at: AwareDatetime
    results: list[AnthropicMessagesResult]


class AnthropicMessagesPage(ProviderPayload):
    data: list[AnthropicMessagesBucket]
    has_more: bool
    next_page: str | None = None
