"""The one-process mode's composition root: fetcher, normalizer and writer in one process.

Execution of `Pipeline` (an async context manager):
1. PostgreSQL: `USAGE_DATABASE_URL`, else the embedded server (`database_url`);
   migrations are applied.
2. Providers (unless `fetch=False`): the configured credentials, or with `simulate=True`
   the provider simulator on a free local port. Neither is a `ConfigError`: simulated rows
   never reach a database because a variable was mistyped.
3. Transport: Kafka when `USAGE_KAFKA_BOOTSTRAP_SERVERS` is set, else the in-process bus.
   The normalizer and the writer are wired to it by their own `wire`, exactly as their
   services are, then the writer's archive (dead letters; raw pages on the in-process
   bus); then it starts.
4. `run_once` fetches a window, then waits until every stage has drained;
   `run_forever` polls until the stop event is set.
Shutdown reverses the order: transport, storage, simulator, PostgreSQL.

A dry run (`dry_run=True`) changes four choices and nothing else: the writer's storage
rolls every batch back after counting what it would write (`PostgresStorage(dry_run=True)`);
the fetch state records nothing (`FetchState(dry_run=True)`: no run rows, watermarks or
backfill progress); no archive is wired (no raw page or dead letter is kept); and the
transport is always the in-process bus, even when Kafka is configured, because a writer
service on the events topic would write for real what this run publishes there. Migrations
are not applied (the schema must already be current). The fetch is real.

`run_up` is what `usage-pipeline up` runs: one window and a summary, or polling with the
ops server until SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any

import usage_fetcher.app as fetcher
import usage_normalizer.app as normalizer
import usage_writer.app as writer
from usage_common import (
    ConfigError,
    InfrastructureError,
    RawPage,
    Settings,
    encode,
    raw_page_key,
)
from usage_fetcher import (
    BackfillProgress,
    Credential,
    EndpointReport,
    FetchState,
    LoadedCredentials,
    RunRequests,
    all_credentials,
    credential_source,
    credentials_from_settings,
    endpoints_from_settings,
    plan_backfill,
    run_backfill,
    scheduled_cycle,
    trigger_routes,
)
from usage_schema import apply_migrations
from usage_transport import (
    InProcessBus,
    KafkaTransport,
    Message,
    ReadinessCheck,
    Transport,
    create_ops_app,
    serve_ops,
)
from usage_webpage import page_routes
from usage_writer import Archive, PostgresStorage, wire_archive

from .database import database_url, may_hold_state
from .signals import stop_on_signals
from .simulated import NO_CREDENTIALS, with_simulator
from .tally import RunTally

__all__ = ["Pipeline", "run_up"]


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        *,
        simulate: bool = False,
        fetch: bool = True,
        drain_timeout: float = 600.0,
        max_stage_failures: int = 3,
        say: Callable[[str], None] = print,
        progress: Callable[[str], None] | None = None,
        tally: RunTally | None = None,
        dry_run: bool = False,
    ) -> None:
        self.settings = settings
        self.simulate = simulate
        self.fetch = fetch
        self.drain_timeout = drain_timeout
        self.say = say
        self.progress = progress
        self.dry_run = dry_run
        self.tally = tally or RunTally(dry_run=dry_run)
        self.max_stage_failures = max_stage_failures
        self._failures: list[str] = []
        self._failing = asyncio.Event()
        self.database_url: str | None = None
        self._stack = contextlib.AsyncExitStack()
        self.storage: PostgresStorage | None = None
        self.archive: Archive | None = None

    async def __aenter__(self) -> Pipeline:
        try:
            await self._start()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stack.aclose()

    async def _start(self) -> None:
        s = self.settings
        # Stored credentials can only be in a database that exists already.
        no_env_key = not credentials_from_settings(s)
        if self.fetch and not self.simulate and no_env_key and not may_hold_state(s):
            raise ConfigError(NO_CREDENTIALS)
        url = await self._stack.enter_async_context(database_url(s, self.say))
        self.database_url = url
        applied = [] if self.dry_run else await apply_migrations(url)
        if applied:
            names = ", ".join(f"{m.version:04d}_{m.name}" for m in applied)
            self.say(f"applied migrations: {names}")
        if self.fetch and self.simulate:
            s = self.settings = await with_simulator(s, self._stack, self.say)
        if self.fetch:
            self._state = await FetchState.connect(url, dry_run=self.dry_run)
            self._stack.push_async_callback(self._state.close)
        if self.fetch and not self.simulate:
            found = await self.load_credentials()
            if not found.usable and not found.failed:
                raise ConfigError(NO_CREDENTIALS)

        self.storage = await PostgresStorage.connect(url, dry_run=self.dry_run)
        if self.dry_run:
            self.say("dry run: every batch is written and rolled back; nothing is kept")
        self._stack.push_async_callback(self.storage.close)

        self._transport = await self._open_transport(s)
        normalizer.wire(self._transport, s, self.tally.on_normalized)
        writer.wire(self._transport, s, self.storage, self.tally.on_written)
        if not self.dry_run:
            # Dead letters into their table; raw pages too where no broker keeps them.
            self.archive = await Archive.connect(url)
            self._stack.push_async_callback(self.archive.close)
            keep_raw = not self._transport.durable_on_publish
            wire_archive(self._transport, s, self.archive, raw_pages=keep_raw)
        await self._transport.start()
        self._stack.push_async_callback(self._transport.stop)

        client = fetcher.make_http_client(s)
        self._stack.push_async_callback(client.aclose)
        state = self._state if self.fetch else None
        self._ctx = fetcher.wire(self._transport, s, client, self._on_page(), state)

    async def _open_transport(self, s: Settings) -> Transport:
        if self.dry_run and s.kafka_bootstrap_servers:
            self.say("transport: in-process (a dry run never publishes to Kafka)")
            return InProcessBus(on_error=self._stage_error)
        if not s.kafka_bootstrap_servers:
            self.say("transport: in-process")
            return InProcessBus(on_error=self._stage_error)
        kafka = KafkaTransport(s, on_error=self._stage_error)
        await kafka.ensure_topics()
        self.say(f"transport: Kafka at {s.kafka_bootstrap_servers}")
        return kafka

    def _on_page(self) -> Callable[[RawPage], None] | None:
        report = self.progress
        if report is None:
            return None
        return lambda page: report(
            f"  {page.provider} {page.endpoint}: page {page.page_number} published"
        )

    async def load_credentials(self) -> LoadedCredentials:
        """The environment's keys and, unless simulated, the stored credentials."""
        if self.simulate:
            return LoadedCredentials(credentials_from_settings(self.settings), [])
        return await all_credentials(self.settings, self.database_url)

    async def run_once(self, since: datetime, until: datetime) -> RunTally:
        found = await self.load_credentials()
        credentials = found.usable
        if not credentials and not found.failed:
            raise ConfigError(NO_CREDENTIALS)
        providers = ", ".join(c.credential_id for c in credentials) or "no usable credential"
        self.say(
            f"fetching [{since:%Y-%m-%dT%H:%M:%SZ}, {until:%Y-%m-%dT%H:%M:%SZ})"
            f" in {self.settings.bucket_width} buckets for {providers}"
        )
        reports = await scheduled_cycle(
            self._ctx,
            self._state,
            credentials,
            self.settings,
            endpoints_from_settings(self.settings),
            trigger="once",
            window=(since, until),
            unusable=found.failed,
        )
        self.tally.fetched.extend(reports)
        self.say(f"fetched {sum(r.pages for r in reports)} page(s); draining the pipeline")
        await self.drain()
        return self.tally

    async def publish_raw(self, pages: list[RawPage]) -> None:
        """Put raw pages (e.g. console CSV chunks) on the raw topic, as the fetcher does."""
        await self._transport.publish_many(
            [Message(self.settings.topic_raw, raw_page_key(p), encode(p)) for p in pages]
        )

    async def publish(self, messages: list[Message]) -> None:
        """Put already-encoded messages (replayed pages, redriven dead letters) on a topic."""
        await self._transport.publish_many(messages)

    def _stage_error(self, stage: str, exc: Exception) -> None:
        self._failures.append(f"{stage}: {type(exc).__name__}: {exc}")
        if len(self._failures) >= self.max_stage_failures:
            self._failing.set()

    async def drain(self) -> None:
        """Wait until every stage is idle; fail fast when a stage keeps failing."""
        work = asyncio.create_task(self._transport.drain())
        failing = asyncio.create_task(self._failing.wait())
        done, pending = await asyncio.wait(
            {work, failing}, timeout=self.drain_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if work in done:
            work.result()
        elif failing in done:
            raise InfrastructureError(
                f"a stage failed {len(self._failures)} times; last error: {self._failures[-1]}"
            )
        else:
            raise InfrastructureError(f"pipeline did not drain within {self.drain_timeout:.0f} s")

    async def backfill(
        self,
        since: datetime,
        until: datetime,
        credentials: list[Credential],
        endpoints: dict[str, list[str]],
        on_progress: Callable[[BackfillProgress], None] | None = None,
    ) -> list[EndpointReport]:
        """Run (or continue) the backfill of [since, until), then drain every stage."""
        chunks = plan_backfill(
            credentials,
            endpoints,
            since,
            until,
            self.settings.bucket_width,
            self.settings.anthropic_fast_mode_beta,
        )
        transport = self._transport

        async def durable() -> None:
            if not transport.durable_on_publish:
                await self.drain()

        reports = await run_backfill(
            self._ctx, self._state, chunks, since, until, durable, on_progress
        )
        await self.drain()
        return reports

    async def runs(self, last: int) -> list[dict[str, Any]]:
        """The last ingestion runs, oldest first (what `usage-pipeline runs` prints)."""
        return await self._state.runs(last)

    async def credentials(self) -> list[Credential]:
        """Every usable credential; the stored ones that do not decrypt are left out."""
        return (await self.load_credentials()).usable

    async def run_forever(self, stop: asyncio.Event, requests: RunRequests | None = None) -> None:
        # Stored credentials are read again every cycle; a failing one is logged each time.
        source = credential_source(self.load_credentials)
        await fetcher.run_fetch_loop(self._ctx, self._state, source, self.settings, stop, requests)


async def run_up(
    settings: Settings,
    *,
    simulate: bool,
    window: tuple[datetime, datetime] | None,
    say: Callable[[str], None],
    dry_run: bool = False,
) -> bool:
    """One cycle over `window` then a summary (progress on stderr), or, without a window,
    poll with the web page (`/`), `/metrics`, `/healthz` and `/readyz` served until
    SIGINT/SIGTERM. False when
    a fetch failed or a page was dead-lettered."""
    progress = (lambda line: print(line, file=sys.stderr)) if window else None
    async with Pipeline(
        settings, simulate=simulate, say=say, progress=progress, dry_run=dry_run
    ) as pipeline:
        if window is not None:
            tally = await pipeline.run_once(*window)
            for line in tally.lines():
                say(line)
            return not tally.failed
        checks: dict[str, ReadinessCheck] = {}
        if pipeline.storage:
            checks["postgres"] = pipeline.storage.ping
        requests = RunRequests()
        assert pipeline.database_url
        routes = [
            *trigger_routes(requests, settings.trigger_token),
            *page_routes(pipeline.database_url, pipeline.runs),
        ]
        ops = create_ops_app(checks, routes=routes)
        async with serve_ops(ops, settings.ops_host, settings.ops_port) as port:
            say(
                f"serving the web page at / and /metrics /healthz /readyz on port {port};"
                " Ctrl-C stops"
            )
            await pipeline.run_forever(stop_on_signals(), requests)
    say("stopped")
    return True
