"""The fetcher's wiring (`wire`: settings, HTTP client and a publisher into a
`FetchContext`) and its long-running loop: one fetch cycle per poll interval until stopped.

Each cycle re-pulls the trailing `lookback_hours`, because providers revise recent
buckets; the writer turns the overlap into updates or no-ops, never duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx

from usage_common import InfrastructureError, RawPage, Settings, utc_now
from usage_transport import Publisher

from .credential_store import LoadedCredentials
from .credentials import Credential, endpoints_from_settings, filters_from_settings
from .fetch import EndpointReport, FetchContext, fetch_cycle
from .retry import RetryPolicy

__all__ = ["CredentialLoader", "make_http_client", "run_fetch_loop", "wire"]

log = logging.getLogger(__name__)

CredentialLoader = Callable[[], Awaitable[LoadedCredentials]]
"""Reloaded every cycle, so `credentials add/remove/rotate-master-key` need no restart."""


def make_http_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=httpx.Timeout(settings.http_timeout_seconds))


def wire(
    publisher: Publisher,
    settings: Settings,
    client: httpx.AsyncClient,
    on_page: Callable[[RawPage], None] | None = None,
) -> FetchContext:
    """What every fetch of this process uses; the fetcher only publishes, so any
    `Transport` (or a bare `Publisher`) will do."""
    policy = RetryPolicy(
        max_attempts=settings.http_max_attempts,
        initial_delay=settings.http_backoff_initial_seconds,
        max_delay=settings.http_backoff_max_seconds,
    )
    return FetchContext(
        client=client,
        publisher=publisher,
        raw_topic=settings.topic_raw,
        policy=policy,
        anthropic_fast_mode=settings.anthropic_fast_mode_beta,
        filters=filters_from_settings(settings),
        on_page=on_page,
    )


async def run_fetch_loop(
    ctx: FetchContext,
    credentials: list[Credential] | CredentialLoader,
    settings: Settings,
    stop: asyncio.Event,
    on_cycle: Callable[[list[EndpointReport]], None] | None = None,
) -> None:
    lookback = timedelta(hours=settings.lookback_hours)
    endpoints = endpoints_from_settings(settings)
    loaded = LoadedCredentials(credentials, []) if isinstance(credentials, list) else None
    while not stop.is_set():
        if not isinstance(credentials, list):
            try:
                loaded = await credentials()
            except InfrastructureError as exc:
                # Keep fetching with the last credentials that loaded; the store is back soon.
                log.warning("cannot reload stored credentials: %s", exc)
                if loaded is None:
                    raise
        assert loaded is not None
        for failure in loaded.failed:
            log.warning("credential skipped: %s", failure.error)
        now = utc_now()
        reports = loaded.failed + await fetch_cycle(
            ctx, loaded.usable, now - lookback, now, settings.bucket_width, endpoints
        )
        pages = sum(r.pages for r in reports)
        failed = [f"{r.provider}/{r.endpoint}" for r in reports if r.error]
        log.info("fetch cycle: %d pages%s", pages, f", failed: {failed}" if failed else "")
        if on_cycle:
            on_cycle(reports)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.poll_interval_seconds)
