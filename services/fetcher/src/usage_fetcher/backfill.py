"""Backfill: a fixed window, planned into the fewest requests, resumable after a kill.

Planning (`plan_backfill`): per credential x endpoint, the window in whole buckets, cut
into request windows of the widest page the endpoint allows (`EndpointSpec.request_buckets`:
168 hours, 31 days, one day for Claude Code...). A backfill's id is a hash of what it
covers, so running the same command again finds its chunks.

Execution of `run_backfill`, per chunk, in plan order (providers in parallel):
1. a chunk marked done is skipped: its requests are never repeated;
2. wait for the credential x endpoint lease (the polling loop may hold it for a while);
3. record an `ingestion_runs` row (trigger `backfill`);
4. fetch from the chunk's saved cursor (None: its first page); after each page is durable
   (`durable()`: published to Kafka, or written when the transport is in-process) save the
   pages so far and the next cursor; the last page marks the chunk done;
5. finish the run row; report progress.
A kill between 4's publish and save repeats at most that one page's request.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from usage_common import BucketWidth

from .credentials import Credential
from .errors import FetchError
from .fetch import EndpointReport, FetchContext, fetch_window, plan_window, split_windows
from .providers import EndpointSpec, ProviderApi, api_for
from .state import ChunkProgress, FetchState, RunStart

__all__ = ["BackfillProgress", "Chunk", "backfill_id", "plan_backfill", "run_backfill"]

LEASE_WAIT_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Chunk:
    credential: Credential
    api: ProviderApi
    spec: EndpointSpec
    start: datetime
    end: datetime
    width: BucketWidth

    @property
    def key(self) -> tuple[str, str, datetime]:
        return (self.credential.credential_id, self.spec.endpoint, self.start)


@dataclass
class BackfillProgress:
    total: int
    done: int = 0
    skipped: int = 0
    """Chunks completed by an earlier run of the same backfill."""
    pages: int = 0
    failed: int = 0
    started: float = 0.0

    def eta_seconds(self, now: float) -> float | None:
        fresh = self.done - self.skipped
        if fresh <= 0:
            return None
        rate = fresh / max(now - self.started, 1e-9)
        return (self.total - self.done) / rate


def plan_backfill(
    credentials: list[Credential],
    endpoints: dict[str, list[str]],
    since: datetime,
    until: datetime,
    width: BucketWidth,
    fast_mode_beta: bool,
) -> list[Chunk]:
    chunks = []
    for credential in credentials:
        api = api_for(credential.provider, fast_mode_beta=fast_mode_beta)
        for name in endpoints.get(credential.provider) or list(api.endpoints):
            spec = api.endpoints[name]
            w = spec.width_for(width)
            start, end = plan_window(since, until, w)
            for window in split_windows(start, end, w, spec.request_buckets(w)):
                chunks.append(Chunk(credential, api, spec, window[0], window[1], w))
    return chunks


def backfill_id(chunks: list[Chunk], since: datetime, until: datetime) -> str:
    """The same command over the same credentials and endpoints has the same id."""
    what = sorted({(c.credential.credential_id, c.spec.endpoint, c.width) for c in chunks})
    text = json.dumps([since.isoformat(), until.isoformat(), what])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def run_backfill(
    ctx: FetchContext,
    state: FetchState,
    chunks: list[Chunk],
    since: datetime,
    until: datetime,
    durable: Callable[[], Awaitable[None]],
    on_progress: Callable[[BackfillProgress], None] | None = None,
) -> list[EndpointReport]:
    """Run (or continue) a backfill; returns one report per chunk run now."""
    ident = backfill_id(chunks, since, until)
    saved = await state.chunks(ident)
    progress = BackfillProgress(total=len(chunks), started=time.monotonic())
    run_id = uuid.uuid4().hex
    reports: list[EndpointReport] = []

    def tell() -> None:
        if on_progress is not None:
            on_progress(progress)

    async def one_provider(mine: list[Chunk]) -> None:
        for chunk in mine:
            before = saved.get(chunk.key)
            if before is not None and before.done:
                progress.done += 1
                progress.skipped += 1
                tell()
                continue
            report = await _run_chunk(ctx, state, ident, run_id, chunk, before, durable)
            reports.append(report)
            progress.done += 1
            progress.pages += report.pages - (before.pages if before else 0)
            progress.failed += report.error is not None
            tell()

    tell()
    by_provider: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_provider.setdefault(chunk.credential.provider, []).append(chunk)
    await asyncio.gather(*(one_provider(c) for c in by_provider.values()))
    return reports


async def _run_chunk(
    ctx: FetchContext,
    state: FetchState,
    ident: str,
    run_id: str,
    chunk: Chunk,
    before: ChunkProgress | None,
    durable: Callable[[], Awaitable[None]],
) -> EndpointReport:
    credential, spec = chunk.credential, chunk.spec
    report = EndpointReport(
        chunk.api.provider, spec.endpoint, credential_id=credential.credential_id
    )
    report.pages = before.pages if before else 0
    async with state.lease(credential.credential_id, spec.endpoint, LEASE_WAIT_SECONDS) as held:
        if not held:
            report.skipped = True
            report.error = f"another fetcher held the lease for {LEASE_WAIT_SECONDS:.0f} s"
            return report
        row_id = await state.start_run(
            RunStart(
                run_id,
                "backfill",
                credential.credential_id,
                credential.organization_id,
                chunk.api.provider,
                spec.endpoint,
                chunk.width,
                chunk.start,
                chunk.end,
                ctx.clock(),
            )
        )

        async def saved(pages: int, cursor: str | None) -> None:
            await durable()
            await state.save_chunk(
                ident,
                credential.credential_id,
                spec.endpoint,
                (chunk.start, chunk.end),
                chunk.width,
                ChunkProgress(pages, cursor, cursor is None),
            )

        try:
            await fetch_window(
                ctx,
                chunk.api,
                spec,
                credential,
                chunk.start,
                chunk.end,
                chunk.width,
                run_id,
                report,
                cursor=before.next_cursor if before else None,
                on_published=saved,
            )
        except FetchError as exc:
            report.error = str(exc)
        await state.finish_run(
            row_id, report, "ok" if report.error is None else "error", ctx.clock()
        )
        if report.error is None:
            await state.advance_watermark(
                credential.credential_id,
                chunk.api.provider,
                spec.endpoint,
                chunk.width,
                chunk.start,
                chunk.end,
            )
    return report
