"""Fetcher: provider admin APIs -> `RawPage`s on the raw topic."""

from .backfill import BackfillProgress, plan_backfill, run_backfill
from .budget import RequestBudget
from .credentials import (
    Credential,
    credentials_from_settings,
    endpoints_from_settings,
    filters_from_settings,
)
from .errors import FetchError, ProviderRejectedError, ProviderUnavailableError
from .fetch import EndpointReport, FetchContext, fetch_cycle, fetch_endpoint, plan_window
from .retry import RetryPolicy
from .schedule import scheduled_cycle
from .state import FetchState, StateError
from .trigger import RunRequests, trigger_routes

__all__ = [
    "BackfillProgress",
    "Credential",
    "EndpointReport",
    "FetchContext",
    "FetchError",
    "FetchState",
    "ProviderRejectedError",
    "ProviderUnavailableError",
    "RequestBudget",
    "RetryPolicy",
    "RunRequests",
    "StateError",
    "credentials_from_settings",
    "endpoints_from_settings",
    "fetch_cycle",
    "fetch_endpoint",
    "filters_from_settings",
    "plan_backfill",
    "plan_window",
    "run_backfill",
    "scheduled_cycle",
    "trigger_routes",
]
