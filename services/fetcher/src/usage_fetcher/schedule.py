"""Scheduled fetching with state: what each credential x endpoint fetches this cycle.

Execution of `run_job` (one credential x endpoint window; `_run_job` is its body, inside the
job's log context: provider, endpoint, credential, run id), the one owner of this order:
1. take the lease (`FetchState.lease`); another holder means: record `skipped`, stop;
2. record the run as `running` in `ingestion_runs`;
3. fetch every page of the window (`fetch_endpoint`: budget, retries, publish);
4. record the run's pages, records, requests, retries, 429s, errors by code, outcome;
5. only when every page was published: advance the watermark to the window's end.
A crash anywhere leaves the watermark where it was, so the window is fetched again.

Windows (`plan_job_window`): without a watermark, the last `USAGE_LOOKBACK_HOURS`; with
one, from the watermark minus the endpoint's trailing re-fetch (recent buckets change; cost
data arrives 24-48 h late) up to now.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from usage_common import BucketWidth, ConfigError, Settings

from .credentials import Credential
from .errors import FetchError
from .fetch import EndpointReport, FetchContext, fetch_endpoint, job_log_context
from .metrics import (
    FETCH_CYCLES,
    INGESTION_RUN_DURATION,
    INGESTION_RUNS,
    LAST_SUCCESS,
    record_watermark,
)
from .providers import EndpointSpec, ProviderApi, api_for
from .state import FetchState, RunStart

__all__ = [
    "plan_job_window",
    "refetch_from_settings",
    "run_job",
    "scheduled_cycle",
]

log = logging.getLogger(__name__)


def refetch_from_settings(settings: Settings) -> dict[tuple[str, str], float]:
    """`USAGE_ENDPOINT_REFETCH_HOURS`, checked: unknown endpoints are refused."""
    out: dict[tuple[str, str], float] = {}
    for name, hours in settings.endpoint_refetch_hours.items():
        provider, _, endpoint = name.partition(".")
        known = api_for(provider).endpoints if provider in ("anthropic", "openai") else {}
        if endpoint not in known:
            raise ConfigError(
                f"USAGE_ENDPOINT_REFETCH_HOURS: unknown endpoint {name!r}"
                " (use provider.endpoint, e.g. openai.costs)"
            )
        if hours < 0:
            raise ConfigError(f"USAGE_ENDPOINT_REFETCH_HOURS: {name} must not be negative")
        out[(provider, endpoint)] = hours
    return out


def plan_job_window(
    watermark: datetime | None,
    now: datetime,
    lookback_hours: float,
    trailing_hours: float,
) -> tuple[datetime, datetime]:
    if watermark is None:
        return now - timedelta(hours=lookback_hours), now
    return min(watermark, now) - timedelta(hours=trailing_hours), now


async def run_job(
    ctx: FetchContext,
    state: FetchState,
    api: ProviderApi,
    spec: EndpointSpec,
    credential: Credential,
    since: datetime,
    until: datetime,
    width: BucketWidth,
    run_id: str,
    trigger: str,
) -> EndpointReport:
    width = spec.width_for(width)
    run = RunStart(
        run_id,
        trigger,
        credential.credential_id,
        credential.organization_id,
        api.provider,
        spec.endpoint,
        width,
        since,
        until,
        ctx.clock(),
    )
    report = EndpointReport(
        api.provider,
        spec.endpoint,
        credential_id=credential.credential_id,
        organization_id=credential.organization_id,
    )
    with job_log_context(api, spec, credential, run_id, trigger=trigger):
        return await _run_job(ctx, state, api, spec, credential, run, width, report)


async def _run_job(
    ctx: FetchContext,
    state: FetchState,
    api: ProviderApi,
    spec: EndpointSpec,
    credential: Credential,
    run: RunStart,
    width: BucketWidth,
    report: EndpointReport,
) -> EndpointReport:
    since, until, run_id = run.window_start, run.window_end, run.run_id
    async with state.lease(credential.credential_id, spec.endpoint) as held:
        row_id = await state.start_run(run)
        if not held:
            report.skipped = True
            await state.finish_run(row_id, report, "skipped", ctx.clock())
            INGESTION_RUNS.labels(api.provider, spec.endpoint, "skipped").inc()
            log.info("fetch skipped: another fetcher holds it", extra={"outcome": "skipped"})
            return report
        started = time.perf_counter()
        log.info("fetch started", extra={"window_start": since, "window_end": until})
        try:
            report = await fetch_endpoint(ctx, api, spec, credential, since, until, width, run_id)
        except FetchError as exc:
            # The provider failed: this job's error; the cycle goes on with the others.
            report.error = str(exc)
        except Exception as exc:
            # Kafka or PostgreSQL failed: recorded, then raised to the caller.
            report.error = str(exc)
            await state.finish_run(row_id, report, "error", ctx.clock())
            log.error("fetch aborted: %s", exc, extra={"outcome": "error"})
            raise
        outcome = "ok" if report.error is None else "error"
        await state.finish_run(row_id, report, outcome, ctx.clock())
        _log_finished(report, outcome, time.perf_counter() - started)
        INGESTION_RUNS.labels(api.provider, spec.endpoint, outcome).inc()
        INGESTION_RUN_DURATION.labels(api.provider, spec.endpoint).observe(
            time.perf_counter() - started
        )
        if report.error is None:
            await state.advance_watermark(
                credential.credential_id, api.provider, spec.endpoint, width, since, until
            )
            record_watermark(
                api.provider, spec.endpoint, credential.credential_id, until.timestamp()
            )
        return report


def _log_finished(report: EndpointReport, outcome: str, seconds: float) -> None:
    stats = report.stats
    fields = {
        "outcome": outcome,
        "pages": report.pages,
        "records": report.records,
        "requests": stats.requests,
        "retries": stats.retries,
        "rate_limited": stats.rate_limited,
        "seconds": round(seconds, 3),
    }
    if report.error is None:
        log.info("fetch finished", extra=fields)
    else:
        log.warning("fetch failed: %s", report.error, extra=fields | {"error": report.error})


async def scheduled_cycle(
    ctx: FetchContext,
    state: FetchState,
    credentials: list[Credential],
    settings: Settings,
    endpoints: dict[str, list[str]],
    *,
    trigger: str = "cycle",
    window: tuple[datetime, datetime] | None = None,
    run_id: str | None = None,
    unusable: Sequence[EndpointReport] = (),
) -> list[EndpointReport]:
    """One cycle over every credential x endpoint; providers in parallel, endpoints of
    one credential in turn. `window` fixes the window (`up --once`, a trigger); without
    it, each job's window comes from its watermark. Each `unusable` credential (one that
    does not decrypt) is recorded as a failed run, so `runs` and the metrics show it."""
    run_id = run_id or uuid.uuid4().hex
    width = settings.bucket_width
    refetch = refetch_from_settings(settings)
    now = ctx.clock()
    for failure in unusable:
        await _record_unusable(state, failure, run_id, trigger, window or (now, now), width, now)

    async def one(credential: Credential) -> list[EndpointReport]:
        api = api_for(credential.provider, fast_mode_beta=ctx.anthropic_fast_mode)
        names = endpoints.get(credential.provider) or list(api.endpoints)
        reports: list[EndpointReport] = []
        for name in names:
            spec = api.endpoints[name]
            if window is not None:
                since, until = window
            else:
                trailing = refetch.get(
                    (api.provider, name), spec.refetch_hours or settings.lookback_hours
                )
                mark = await state.watermark(credential.credential_id, name, spec.width_for(width))
                since, until = plan_job_window(mark, now, settings.lookback_hours, trailing)
            reports.append(
                await run_job(
                    ctx, state, api, spec, credential, since, until, width, run_id, trigger
                )
            )
        ok = all(r.error is None for r in reports)
        FETCH_CYCLES.labels(credential.provider, "ok" if ok else "error").inc()
        if ok:
            LAST_SUCCESS.labels(credential.provider).set(ctx.clock().timestamp())
        return reports

    results = await asyncio.gather(*(one(c) for c in credentials))
    return [*unusable, *(r for group in results for r in group)]


async def _record_unusable(
    state: FetchState,
    failure: EndpointReport,
    run_id: str,
    trigger: str,
    window: tuple[datetime, datetime],
    width: BucketWidth,
    now: datetime,
) -> None:
    run = RunStart(
        run_id,
        trigger,
        failure.credential_id,
        failure.organization_id,
        failure.provider,
        failure.endpoint,
        width,
        *window,
        now,
    )
    await state.finish_run(await state.start_run(run), failure, "error", now)
    INGESTION_RUNS.labels(failure.provider, failure.endpoint, "error").inc()
