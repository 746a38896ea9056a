"""Pydantic models of provider payloads, one module per provider."""

from .anthropic import (
    AnthropicCostPage,
    AnthropicMessagesPage,
    AnthropicMessagesResult,
    ClaudeCodePage,
)
from .openai import (
    MODALITY_FIELDS,
    USAGE_RESULTS,
    OpenAICompletionsPage,
    OpenAICompletionsResult,
    OpenAICostsPage,
    OpenAIUsagePage,
)

__all__ = [
    "MODALITY_FIELDS",
    "USAGE_RESULTS",
    "AnthropicCostPage",
    "AnthropicMessagesPage",
    "AnthropicMessagesResult",
    "ClaudeCodePage",
    "OpenAICompletionsPage",
    "OpenAICompletionsResult",
    "OpenAICostsPage",
    "OpenAIUsagePage",
]
