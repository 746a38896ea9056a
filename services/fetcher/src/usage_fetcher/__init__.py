"""Fetcher: provider admin APIs -> `RawPage`s on the raw topic."""

from .credential_store import (
    CredentialStore,
    LoadedCredentials,
    NewCredential,
    StoredCredential,
    all_credentials,
)
from .credentials import (
    Credential,
    credentials_from_settings,
    endpoints_from_settings,
    filters_from_settings,
)
from .errors import (
    CredentialError,
    CredentialInputError,
    CredentialUnreadableError,
    FetchError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from .fetch import EndpointReport, FetchContext, fetch_cycle, fetch_endpoint, plan_window
from .retry import RetryPolicy
from .vault import Keyring, master_key_configured

__all__ = [
    "Credential",
    "CredentialError",
    "CredentialInputError",
    "CredentialStore",
    "CredentialUnreadableError",
    "EndpointReport",
    "FetchContext",
    "FetchError",
    "Keyring",
    "LoadedCredentials",
    "NewCredential",
    "ProviderRejectedError",
    "ProviderUnavailableError",
    "RetryPolicy",
    "StoredCredential",
    "all_credentials",
    "credentials_from_settings",
    "endpoints_from_settings",
    "fetch_cycle",
    "fetch_endpoint",
    "filters_from_settings",
    "master_key_configured",
    "plan_window",
]
