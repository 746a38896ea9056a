"""Fetcher errors. Messages name the provider, status or credential, never a key or a header.

FetchError (InfrastructureError)
├── ProviderUnavailableError   retries exhausted on 429/5xx/timeouts; try next cycle
└── ProviderRejectedError      4xx other than 429: auth or parameters; fix config
CredentialError (UsagePipelineError, TerminalError)
├── CredentialUnreadableError  wrong master key, unknown key id or tampered ciphertext:
│                              that credential stops, the others go on
└── CredentialInputError (ConfigError)  a bad add/remove: duplicate or unknown name,
                               a key that does not look like the provider's admin key
"""

from __future__ import annotations

from usage_common import ConfigError, InfrastructureError, TerminalError, UsagePipelineError

__all__ = [
    "CredentialError",
    "CredentialInputError",
    "CredentialUnreadableError",
    "FetchError",
    "ProviderRejectedError",
    "ProviderUnavailableError",
]


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


class CredentialError(UsagePipelineError, TerminalError):
    """About one stored credential; `name` says which."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


class CredentialUnreadableError(CredentialError):
    """The ciphertext does not decrypt with any configured master key."""


class CredentialInputError(CredentialError, ConfigError):
    """The command asked for something the store refuses; fix the command."""
