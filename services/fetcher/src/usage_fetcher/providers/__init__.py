"""Provider adapters: one module per provider, all shaped like `ProviderApi`."""

from .anthropic import AnthropicApi
from .base import EndpointSpec, ProviderApi
from .openai import OpenAIApi

__all__ = ["AnthropicApi", "EndpointSpec", "OpenAIApi", "ProviderApi", "api_for"]


def api_for(provider: str, *, fast_mode_beta: bool = False) -> ProviderApi:
    if provider == "anthropic":
        return AnthropicApi(fast_mode_beta=fast_mode_beta)
    if provider == "openai":
        return OpenAIApi()
    raise ValueError(f"unknown provider {provider!r}")
