"""Core of the fetcher: pull a window from a provider endpoint and publish every page.

Execution, per endpoint: build the query for the half-open window [start, end) -> wait
for the provider's request budget -> GET the page (retrying transient failures) -> publish
it verbatim in a `RawPage` envelope -> tell `on_published` the next cursor -> follow
`next_page` while `has_more`. A page is published before the next one is requested, so a
failure mid-way loses nothing already fetched; the next cycle re-pulls the window and the
writer's upsert makes the overlap harmless.

A page larger than `max_message_bytes` is never published (the broker would refuse it):
its window is fetched again as two halves, down to a single bucket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from usage_common import (
    BucketWidth,
    RawPage,
    bucket_delta,
    encode,
    floor_to_bucket,
    log_context,
    raw_page_key,
    utc_now,
)
from usage_transport import Message, Publisher

from .budget import Budget
from .client import RequestStats, Sleep, fetch_page
from .credentials import Credential
from .errors import FetchError
from .metrics import FETCH_CYCLES, FETCH_PAGES, LAST_SUCCESS
from .providers import EndpointSpec, ProviderApi, api_for
from .retry import RetryPolicy

__all__ = [
    "EndpointReport",
    "FetchContext",
    "OnPublished",
    "PageTooLargeError",
    "fetch_cycle",
    "fetch_endpoint",
    "fetch_window",
    "plan_window",
    "split_windows",
]

log = logging.getLogger(__name__)

MAX_PAGES = 10_000
"""A provider that keeps saying has_more past this is looping; stop and report it."""


def plan_window(since: datetime, until: datetime, width: BucketWidth) -> tuple[datetime, datetime]:
    """Widen [since, until) to whole buckets, so a partial current bucket is included."""
    start = floor_to_bucket(since, width)
    end = floor_to_bucket(until, width)
    if end < until:
        end += bucket_delta(width)
    if end <= start:
        raise ValueError(f"empty window: since {since.isoformat()} >= until {until.isoformat()}")
    return start, end


@dataclass
class FetchContext:
    """Everything a fetch needs besides the window; built once per process."""

    client: httpx.AsyncClient
    publisher: Publisher
    raw_topic: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    clock: Callable[[], datetime] = utc_now
    sleep: Sleep = asyncio.sleep
    on_page: Callable[[RawPage], None] | None = None
    """Called after each page is published: progress output for long backfills."""
    filters: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    """Extra query parameters per (provider, endpoint): the documented filters."""
    anthropic_fast_mode: bool = False
    """Send the fast-mode beta header and group the messages report by `speed`."""
    budgets: dict[str, Budget] = field(default_factory=dict)
    """Per provider; every request waits for its provider's budget."""
    max_message_bytes: int = 1_000_000
    """The largest raw page published (encoded); see `PageTooLargeError`."""


@dataclass
class EndpointReport:
    provider: str
    endpoint: str
    pages: int = 0
    error: str | None = None
    credential_id: str = ""
    organization_id: str = ""
    records: int = 0
    """Buckets' results (or daily records) the provider returned."""
    stats: RequestStats = field(default_factory=RequestStats)
    skipped: bool = False
    """Another fetcher held this credential x endpoint; nothing was fetched."""


OnPublished = Callable[[int, str | None], Awaitable[None]]
"""Called after each published page with the pages so far and the next cursor (None: the
window is complete). A backfill records it, so a restart resumes after that page."""


class PageTooLargeError(FetchError):
    """One bucket's page is larger than the largest message the broker takes."""


def split_windows(
    start: datetime, end: datetime, width: BucketWidth, buckets: int
) -> list[tuple[datetime, datetime]]:
    """[start, end) in consecutive windows of at most `buckets` buckets."""
    step = bucket_delta(width) * buckets
    windows = []
    while start < end:
        windows.append((start, min(start + step, end)))
        start += step
    return windows


async def fetch_endpoint(
    ctx: FetchContext,
    api: ProviderApi,
    spec: EndpointSpec,
    credential: Credential,
    since: datetime,
    until: datetime,
    wanted_width: BucketWidth,
    run_id: str,
) -> EndpointReport:
    """Fetch [since, until) from one endpoint, at its nearest supported bucket width.

    Cost reports only know 1d, so their window widens to whole UTC days; a `daily`
    endpoint (Claude Code) is asked once per day of the window.
    """
    report = EndpointReport(api.provider, spec.endpoint, credential_id=credential.credential_id)
    width = spec.width_for(wanted_width)
    start, end = plan_window(since, until, width)
    for window_start, window_end in split_windows(start, end, width, spec.request_buckets(width)):
        await fetch_window(
            ctx, api, spec, credential, window_start, window_end, width, run_id, report
        )
    return report


async def fetch_window(
    ctx: FetchContext,
    api: ProviderApi,
    spec: EndpointSpec,
    credential: Credential,
    start: datetime,
    end: datetime,
    width: BucketWidth,
    run_id: str,
    report: EndpointReport,
    *,
    cursor: str | None = None,
    on_published: OnPublished | None = None,
) -> None:
    """Every page of one request window, starting at `cursor` (None: the first page)."""
    try:
        with job_log_context(api, spec, credential, run_id):
            await _fetch_pages(
                ctx, api, spec, credential, start, end, width, run_id, report, cursor, on_published
            )
    except PageTooLargeError:
        if end - start <= bucket_delta(width):
            raise
        # Halves of a window have fewer results per page; pages of this window already
        # published are harmless duplicates (same rows, same values).
        middle = start + bucket_delta(width) * ((end - start) // bucket_delta(width) // 2)
        log.warning("%s %s: page too large; fetching two halves", api.provider, spec.endpoint)
        for half_start, half_end in ((start, middle), (middle, end)):
            await fetch_window(
                ctx, api, spec, credential, half_start, half_end, width, run_id, report
            )
        if on_published is not None:
            await on_published(report.pages, None)


def job_log_context(
    api: ProviderApi, spec: EndpointSpec, credential: Credential, run_id: str, **extra: str
) -> contextlib.AbstractContextManager[None]:
    """The fields of every log line of one credential x endpoint fetch (never the key)."""
    return log_context(
        provider=api.provider,
        endpoint=spec.endpoint,
        credential=credential.credential_id,
        organization=credential.organization_id,
        run_id=run_id,
        trace_id=run_id,
        **extra,
    )


async def _fetch_pages(
    ctx: FetchContext,
    api: ProviderApi,
    spec: EndpointSpec,
    credential: Credential,
    start: datetime,
    end: datetime,
    width: BucketWidth,
    run_id: str,
    report: EndpointReport,
    cursor: str | None,
    on_published: OnPublished | None,
) -> None:
    base_params = api.params(spec, start, end, width)
    base_params += ctx.filters.get((api.provider, spec.endpoint), [])
    seen: set[str] = set()
    secret = credential.secret.get_secret_value()
    budget = ctx.budgets.get(api.provider)
    acquire = budget.acquire if budget is not None else None
    for _ in range(MAX_PAGES):
        params = base_params + ([("page", cursor)] if cursor else [])
        response = await fetch_page(
            ctx.client,
            api,
            spec,
            credential.base_url,
            secret,
            params,
            ctx.policy,
            ctx.sleep,
            acquire=acquire,
            stats=report.stats,
        )
        page = RawPage(
            page_id=uuid.uuid4().hex,
            run_id=run_id,
            provider=api.provider,
            organization_id=credential.organization_id,
            credential_id=credential.credential_id,
            endpoint=spec.endpoint,
            request_path=spec.path,
            request_params=params,
            bucket_width=width,
            page_number=report.pages + 1,
            fetched_at=ctx.clock(),
            http_status=response.status,
            content_type=response.content_type or "application/json",
            body=response.body.decode("utf-8", errors="replace"),
        )
        value = encode(page)
        if len(value) > ctx.max_message_bytes:
            raise PageTooLargeError(
                api.provider,
                spec.endpoint,
                f"a page of [{start.isoformat()}, {end.isoformat()}) is {len(value)} bytes,"
                f" over USAGE_KAFKA_MAX_MESSAGE_BYTES ({ctx.max_message_bytes})",
            )
        await ctx.publisher.publish_many([Message(ctx.raw_topic, raw_page_key(page), value)])
        report.pages += 1
        FETCH_PAGES.labels(api.provider, spec.endpoint).inc()
        log.info(
            "page published",
            extra={"page_id": page.page_id, "page": page.page_number, "bytes": len(value)},
        )
        if ctx.on_page:
            ctx.on_page(page)
        try:
            cursor, records = _paging(response.body)
        except ValueError as exc:
            raise FetchError(api.provider, spec.endpoint, str(exc)) from None
        report.records += records
        if on_published is not None:
            await on_published(report.pages, cursor)
        if cursor is None:
            return
        if cursor in seen:
            raise FetchError(api.provider, spec.endpoint, "provider repeated a page cursor")
        seen.add(cursor)
    raise FetchError(api.provider, spec.endpoint, f"more than {MAX_PAGES} pages; stopping")


def _paging(body: bytes) -> tuple[str | None, int]:
    """The next cursor and the number of records. Only the paging fields and the shape of
    `data` are read here; the normalizer interprets the rest."""
    try:
        data = json.loads(body)
        has_more = data["has_more"]
        cursor = data.get("next_page")
        rows = data.get("data") or []
        records = sum(
            len(b["results"]) if isinstance(b, dict) and "results" in b else 1 for b in rows
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        # Published anyway (the normalizer dead-letters it with the reason); stop paging.
        raise ValueError("page without has_more; cannot continue paging") from None
    if not has_more:
        return None, records
    if not isinstance(cursor, str) or not cursor:
        raise ValueError("has_more is true but next_page is missing")
    return cursor, records


async def fetch_cycle(
    ctx: FetchContext,
    credentials: list[Credential],
    since: datetime,
    until: datetime,
    width: BucketWidth,
    endpoints: dict[str, list[str]] | None = None,
) -> list[EndpointReport]:
    """Fetch [since, until) for every credential and endpoint, providers in parallel.

    One provider failing does not stop the others; its report carries the error and the
    cycle metric counts it. Returns one report per endpoint.
    """
    plan_window(since, until, width)  # refuse an empty window before any request
    run_id = uuid.uuid4().hex

    async def one(credential: Credential) -> list[EndpointReport]:
        api = api_for(credential.provider, fast_mode_beta=ctx.anthropic_fast_mode)
        names = (endpoints or {}).get(credential.provider) or list(api.endpoints)
        reports: list[EndpointReport] = []
        for name in names:
            spec = api.endpoints[name]
            try:
                reports.append(
                    await fetch_endpoint(ctx, api, spec, credential, since, until, width, run_id)
                )
            except FetchError as exc:
                fields = {"provider": api.provider, "endpoint": name, "run_id": run_id}
                log.warning("fetch failed: %s", exc, extra=fields | {"error": str(exc)})
                reports.append(
                    EndpointReport(
                        api.provider, name, error=str(exc), credential_id=credential.credential_id
                    )
                )
        ok = all(r.error is None for r in reports)
        FETCH_CYCLES.labels(credential.provider, "ok" if ok else "error").inc()
        if ok:
            LAST_SUCCESS.labels(credential.provider).set(ctx.clock().timestamp())
        return reports

    results = await asyncio.gather(*(one(c) for c in credentials))
    return [r for group in results for r in group]
