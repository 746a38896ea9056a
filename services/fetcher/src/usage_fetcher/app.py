"""The fetcher's wiring (`wire`: settings, HTTP client and a publisher into a
`FetchContext`) and its long-running loop: one scheduled cycle per poll interval, and a
run at once when one is triggered over HTTP, until stopped.

Each cycle re-reads each endpoint from its watermark minus its trailing window, because
providers revise recent buckets; the writer turns the overlap into updates or no-ops,
never duplicates.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import httpx

from usage_common import RawPage, Settings, utc_now
from usage_transport import Publisher

from .budget import budgets_from_settings, shared_budgets_from_settings
from .credential_store import LoadedCredentials
from .credentials import endpoints_from_settings, filters_from_settings
from .fetch import EndpointReport, FetchContext
from .metrics import start_series
from .retry import RetryPolicy
from .schedule import scheduled_cycle
from .state import FetchState
from .trigger import RunRequests, TriggeredRun

__all__ = ["CredentialSource", "make_http_client", "run_fetch_loop", "wire"]

log = logging.getLogger(__name__)


def make_http_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=httpx.Timeout(settings.http_timeout_seconds))


def wire(
    publisher: Publisher,
    settings: Settings,
    client: httpx.AsyncClient,
    on_page: Callable[[RawPage], None] | None = None,
    state: FetchState | None = None,
) -> FetchContext:
    """What every fetch of this process uses; the fetcher only publishes, so any
    `Transport` (or a bare `Publisher`) will do. With `state`, the request budgets are the
    ones in PostgreSQL that every fetcher process shares (except in a dry run)."""
    start_series()
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
        budgets=(
            shared_budgets_from_settings(settings, state.reserve_request)
            if state is not None and not state.dry_run
            else budgets_from_settings(settings)
        ),
        max_message_bytes=settings.kafka_max_message_bytes,
    )


CredentialSource = Callable[[], Awaitable[LoadedCredentials]]
"""Read again every cycle, so a credential added or removed is seen without a restart; one
that cannot be decrypted is recorded as a failed run of that credential every cycle."""


async def run_fetch_loop(
    ctx: FetchContext,
    state: FetchState,
    credentials: CredentialSource,
    settings: Settings,
    stop: asyncio.Event,
    requests: RunRequests | None = None,
    on_cycle: Callable[[list[EndpointReport]], None] | None = None,
) -> None:
    """Until `stop`: a scheduled cycle (windows from the watermarks) every poll interval,
    and a run at once for each triggered request, one at a time."""
    endpoints = endpoints_from_settings(settings)
    pending: TriggeredRun | None = None
    while not stop.is_set():
        if pending is None:
            found = await credentials()
            reports = await scheduled_cycle(
                ctx, state, found.usable, settings, endpoints, unusable=found.failed
            )
            _log_cycle("fetch cycle", reports)
        else:
            pending.state = "running"
            window = (pending.since, pending.until) if pending.since and pending.until else None
            try:
                found = await credentials()
                reports = await scheduled_cycle(
                    ctx,
                    state,
                    found.usable,
                    settings,
                    endpoints,
                    trigger="trigger",
                    window=window,
                    run_id=pending.run_id,
                    unusable=found.failed,
                )
            except Exception as exc:
                pending.state, pending.error = "failed", f"{type(exc).__name__}: {exc}"
                pending.finished_at = utc_now()
                raise
            pending.reports = reports
            pending.state = "failed" if any(r.error for r in reports) else "done"
            pending.finished_at = utc_now()
            _log_cycle("triggered run", reports, pending.run_id)
        if on_cycle:
            on_cycle(reports)
        pending = await _wait(stop, requests, settings.poll_interval_seconds)


def _log_cycle(what: str, reports: list[EndpointReport], run_id: str | None = None) -> None:
    pages = sum(r.pages for r in reports)
    failed = [f"{r.provider}/{r.endpoint}" for r in reports if r.error]
    fields: dict[str, object] = {"pages": pages, "failed": failed}
    if run_id:
        fields |= {"run_id": run_id, "trace_id": run_id}
    log.info("%s: %d pages%s", what, pages, f", failed: {failed}" if failed else "", extra=fields)


async def _wait(
    stop: asyncio.Event, requests: RunRequests | None, seconds: float
) -> TriggeredRun | None:
    """The next triggered run, or None once the poll interval passed (or on stop)."""
    waits: set[asyncio.Task[object]] = {asyncio.create_task(stop.wait())}
    if requests is not None:
        waits.add(asyncio.create_task(requests.next()))
    done, pending = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        result = task.result()
        if isinstance(result, TriggeredRun):
            return result
    return None
