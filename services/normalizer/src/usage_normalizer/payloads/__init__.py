"""Pydantic models of provider payloads, one module per provider."""

from .anthropic import AnthropicMessagesPage, AnthropicMessagesResult
from .openai import MODALITY_FIELDS, OpenAICompletionsPage, OpenAICompletionsResult

__all__ = [
    "MODALITY_FIELDS",
    "AnthropicMessagesPage",
    "AnthropicMessagesResult",
    "OpenAICompletionsPage",
    "OpenAICompletionsResult",
]
