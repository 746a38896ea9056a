"""OpenAI Administration API payloads: every organization usage endpoint and costs."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import Field

from .base import JsonNumber, ProviderPayload

__all__ = [
    "MODALITY_FIELDS",
    "USAGE_RESULTS",
    "OpenAICompletionsPage",
    "OpenAICompletionsResult",
    "OpenAICostsPage",
    "OpenAIUsagePage",
]

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


class _Who(ProviderPayload):
    """Dimensions most usage results share; null unless grouped by."""

    project_id: str | None = None
    user_id: str | None = None
    api_key_id: str | None = None
    model: str | None = None


class OpenAICompletionsResult(_Who):
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
    batch: bool | None = None
    service_tier: str | None = None


class OpenAIEmbeddingsResult(_Who):
    object: Literal["organization.usage.embeddings.result"]
    input_tokens: int = Field(ge=0)
    num_model_requests: int = Field(ge=0)


class OpenAIModerationsResult(_Who):
    object: Literal["organization.usage.moderations.result"]
    input_tokens: int = Field(ge=0)
    num_model_requests: int = Field(ge=0)


class OpenAIImagesResult(_Who):
    object: Literal["organization.usage.images.result"]
    images: int = Field(ge=0)
    num_model_requests: int = Field(ge=0)
    size: str | None = None
    source: str | None = None


class OpenAIAudioSpeechesResult(_Who):
    object: Literal["organization.usage.audio_speeches.result"]
    characters: int = Field(ge=0)
    num_model_requests: int = Field(ge=0)


class OpenAIAudioTranscriptionsResult(_Who):
    object: Literal["organization.usage.audio_transcriptions.result"]
    seconds: int = Field(ge=0)
    num_model_requests: int = Field(ge=0)


class OpenAIVectorStoresResult(ProviderPayload):
    object: Literal["organization.usage.vector_stores.result"]
    usage_bytes: int = Field(ge=0)
    project_id: str | None = None


class OpenAICodeInterpreterResult(ProviderPayload):
    object: Literal["organization.usage.code_interpreter_sessions.result"]
    num_sessions: int = Field(ge=0)
    project_id: str | None = None


class OpenAIFileSearchResult(ProviderPayload):
    object: Literal["organization.usage.file_searches.result"]
    num_requests: int = Field(ge=0)
    project_id: str | None = None
    user_id: str | None = None
    api_key_id: str | None = None
    vector_store_id: str | None = None


class OpenAIWebSearchResult(_Who):
    object: Literal["organization.usage.web_searches.result"]
    num_model_requests: int = Field(ge=0)
    num_requests: int = Field(ge=0)
    context_level: str | None = None


R = TypeVar("R", bound=ProviderPayload)


class OpenAIBucket(ProviderPayload, Generic[R]):
    object: Literal["bucket"]
    start_time: int
    end_time: int
    results: list[R]


class OpenAIUsagePage(ProviderPayload, Generic[R]):
    object: Literal["page"]
    data: list[OpenAIBucket[R]]
    has_more: bool
    next_page: str | None = None


OpenAICompletionsPage = OpenAIUsagePage[OpenAICompletionsResult]

USAGE_RESULTS: dict[str, type[ProviderPayload]] = {
    "completions": OpenAICompletionsResult,
    "embeddings": OpenAIEmbeddingsResult,
    "moderations": OpenAIModerationsResult,
    "images": OpenAIImagesResult,
    "audio_speeches": OpenAIAudioSpeechesResult,
    "audio_transcriptions": OpenAIAudioTranscriptionsResult,
    "vector_stores": OpenAIVectorStoresResult,
    "code_interpreter_sessions": OpenAICodeInterpreterResult,
    "file_search_calls": OpenAIFileSearchResult,
    "web_search_calls": OpenAIWebSearchResult,
}
"""Endpoint -> result model; the `object` literal of each is checked on every result."""


class CostAmount(ProviderPayload):
    # Dollars as a JSON number: parsed to Decimal from the text (see mapping), never a float.
    value: JsonNumber
    currency: str


class OpenAICostsResult(ProviderPayload):
    object: Literal["organization.costs.result"]
    amount: CostAmount | None = None
    line_item: str | None = None
    project_id: str | None = None
    api_key_id: str | None = None
    quantity: JsonNumber | None = None
    quantity_unit: str | None = None


OpenAICostsPage = OpenAIUsagePage[OpenAICostsResult]
