"""Fetcher errors. Messages name the provider and status, never a key or a header.

FetchError (InfrastructureError)
├── ProviderUnavailableError   retries exhausted on 429/5xx/timeouts; try next cycle
└── ProviderRejectedError      4xx other than 429: auth or parameters; fix config
"""

from __future__ import annotations

from usage_common import InfrastructureError, TerminalError

__all__ = ["FetchError", "ProviderRejectedError", "ProviderUnavailableError"]


class FetchError(InfrastructureError):
    def __init__(self, provider: str, endpoint: str, message: str) -> None:
        super().__init__(f"{provider} {endpoint}: {message}")
        self.provider = provider
        self.endpoint = endpoint


class ProviderUnavailableError(FetchError):
    """The provider kept failing or throttling; the window is fetched again next cycle."""


class ProviderRejectedError(FetchError, TerminalError):
    """The provider refused the request (bad key, bad parameter); retrying cannot help."""

    def __init__(self, provider: str, endpoint: str, status: int, detail: str) -> None:
        super().__init__(provider, endpoint, f"HTTP {status}: {detail}")
        self.status = status
