"""Provider adapters: one module per provider, all shaped like `ProviderApi`."""

from .anthropic import AnthropicApi
from .base import EndpointSpec, ProviderApi
from .openai import OpenAIApi

__all__ = ["AnthropicApi", "EndpointSpec", "OpenAIApi", "ProviderApi", "api_for"]


def api_for(provider: str) -> ProviderApi:
    if provider == "anthropic":
        return AnthropicApi()
    if provider == "openai":
        return OpenAIApi()
    raise ValueError(f"unknown provider {provider!r}")
