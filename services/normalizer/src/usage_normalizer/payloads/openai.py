"""OpenAI Administration API payloads: GET /v1/organization/usage/completions."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ProviderPayload

__all__ = ["OpenAICompletionsPage", "OpenAICompletionsResult"]

MODALITY_FIELDS = (
    "input_text_tokens",
    "input_audio_tokens",
    "input_image_tokens",
    "input_cached_text_tokens",
    "input_cached_audio_tokens",
    "input_cached_image_tokens",
    "output_text_tokens",
    "output_audio_tokens",
    "output_image_tokens",
)


class OpenAICompletionsResult(ProviderPayload):
    object: Literal["organization.usage.completions.result"]
    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    num_model_requests: int = Field(ge=0)
    input_cached_tokens: int | None = Field(default=None, ge=0)
    input_cache_write_tokens: int | None = Field(default=None, ge=0)
    input_uncached_tokens: int | None = Field(default=None, ge=0)
    # Per-modality breakdowns overlap across spec versions: kept, never summed into totals.
    input_text_tokens: int | None = Field(default=None, ge=0)
    input_audio_tokens: int | None = Field(default=None, ge=0)
    input_image_tokens: int | None = Field(default=None, ge=0)
    input_cached_text_tokens: int | None = Field(default=None, ge=0)
    input_cached_audio_tokens: int | None = Field(default=None, ge=0)
    input_cached_image_tokens: int | None = Field(default=None, ge=0)
    output_text_tokens: int | None = Field(default=None, ge=0)
    output_audio_tokens: int | None = Field(default=None, ge=0)
    output_image_tokens: int | None = Field(default=None, ge=0)
    project_id: str | None = None
    user_id: str | None = None
    api_key_id: str | None = None
    model: str | None = None
    batch: bool | None = None
    service_tier: str | None = None


class OpenAICompletionsBucket(ProviderPayload):
    object: Literal["bucket"]
    start_time: int
    end_time: int
    results: list[OpenAICompletionsResult]


class OpenAICompletionsPage(ProviderPayload):
    object: Literal["page"]
    data: list[OpenAICompletionsBucket]
    has_more: bool
    next_page: str | None = None
