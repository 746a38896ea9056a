"""Fetcher: provider admin APIs -> `RawPage`s on the raw topic."""

from .credentials import (
    Credential,
    credentials_from_settings,
    endpoints_from_settings,
    filters_from_settings,
)
from .errors import FetchError, ProviderRejectedError, ProviderUnavailableError
from .fetch import EndpointReport, FetchContext, fetch_cycle, fetch_endpoint, plan_window
from .retry import RetryPolicy

__all__ = [
    "Credential",
    "EndpointReport",
    "FetchContext",
    "FetchError",
    "ProviderRejectedError",
    "ProviderUnavailableError",
    "RetryPolicy",
    "credentials_from_settings",
    "endpoints_from_settings",
    "fetch_cycle",
    "fetch_endpoint",
    "filters_from_settings",
    "plan_window",
]
