"""Fetcher: provider admin APIs -> `RawPage`s on the raw topic."""

from .backfill import BackfillProgress, plan_backfill, run_backfill
from .budget import Budget, RequestBudget, SharedRequestBudget
from .credential_store import (
    CredentialStore,
    LoadedCredentials,
    NewCredential,
    StoredCredential,
    all_credentials,
    credential_source,
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
from .schedule import scheduled_cycle
from .state import FetchState, StateError
from .trigger import RunRequests, trigger_routes
from .vault import Keyring, master_key_configured

__all__ = [
    "BackfillProgress",
    "Budget",
    "Credential",
    "CredentialError",
    "CredentialInputError",
    "CredentialStore",
    "CredentialUnreadableError",
    "EndpointReport",
    "FetchContext",
    "FetchError",
    "FetchState",
    "Keyring",
    "LoadedCredentials",
    "NewCredential",
    "ProviderRejectedError",
    "ProviderUnavailableError",
    "RequestBudget",
    "RetryPolicy",
    "RunRequests",
    "SharedRequestBudget",
    "StateError",
    "StoredCredential",
    "all_credentials",
    "credential_source",
    "credentials_from_settings",
    "endpoints_from_settings",
    "fetch_cycle",
    "fetch_endpoint",
    "filters_from_settings",
    "master_key_configured",
    "plan_backfill",
    "plan_window",
    "run_backfill",
    "scheduled_cycle",
    "trigger_routes",
]
