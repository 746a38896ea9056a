"""The all-in-one pipeline: fetcher, normalizer and writer in one process.

Execution of `Pipeline` (an async context manager):
1. PostgreSQL: `USAGE_DATABASE_URL`, else an embedded server in `<data dir>/postgres`;
   migrations are applied.
2. Providers: configured admin keys, else (or with `simulate=True`) the provider
   simulator on a free local port, with the fetchers pointed at it.
3. Transport: Kafka when `USAGE_KAFKA_BOOTSTRAP_SERVERS` is set, else the in-process bus.
   Both carry the same bytes through the same handlers.
4. `run_once` fetches a window, then waits until every stage has drained;
   `run_forever` polls until the stop event is set.
Shutdown reverses the order: transport, storage, simulator, PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from types import TracebackType

from pydantic import SecretStr

from usage_common import (
    ConfigError,
    InfrastructureError,
    RawPage,
    Settings,
    encode,
    raw_page_key,
)
from usage_embedded_pg import EmbeddedPostgres
from usage_fetcher import credentials_from_settings, endpoints_from_settings, fetch_cycle
from usage_fetcher.app import make_context, make_http_client, run_fetch_loop
from usage_normalizer import app as normalizer_app
from usage_simulator import SimulatorConfig, SimulatorServer
from usage_transport import (
    InProcessBus,
    KafkaPublisher,
    LagReader,
    Message,
    Publisher,
    ensure_topics,
    make_broker,
)
from usage_writer import PostgresStorage, apply_migrations
from usage_writer import app as writer_app

from .tally import RunTally

__all__ = ["Pipeline"]

log = logging.getLogger(__name__)


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
    ) -> None:
        self.settings = settings
        self.simulate = simulate
        self.fetch = fetch
        self.drain_timeout = drain_timeout
        self.say = say
        self.progress = progress
        self.tally = RunTally()
        self.max_stage_failures = max_stage_failures
        self._failures: list[str] = []
        self._failing = asyncio.Event()
        self.database_url: str | None = None
        self._stack = contextlib.AsyncExitStack()
        self._bus: InProcessBus | None = None
        self._publisher: Publisher | None = None
        self.storage: PostgresStorage | None = None

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
        url = s.database_url
        if url is None:
            pg = EmbeddedPostgres(s.data_dir.resolve() / "postgres")
            self.say(f"starting embedded PostgreSQL in {pg.data_dir}")
            url = await asyncio.to_thread(pg.start)
            self._stack.callback(pg.stop)
        self.database_url = url
        applied = await apply_migrations(url)
        if applied:
            self.say(
                f"applied migrations: {', '.join(f'{m.version:04d}_{m.name}' for m in applied)}"
            )

        if self.fetch and (self.simulate or not credentials_from_settings(s)):
            if not self.simulate:
                self.say("no provider credentials configured: using the provider simulator")
            sim_config = SimulatorConfig()
            sim = await self._stack.enter_async_context(SimulatorServer(sim_config, port=0))
            self.say(f"provider simulator on {sim.anthropic_base_url}")
            s = s.model_copy(
                update={
                    "anthropic_admin_key": SecretStr(sim_config.anthropic_admin_key),
                    "openai_admin_key": SecretStr(sim_config.openai_admin_key),
                    "anthropic_base_url": sim.anthropic_base_url,
                    "openai_base_url": sim.openai_base_url,
                }
            )
            self.settings = s

        self.storage = await PostgresStorage.connect(url)
        self._stack.push_async_callback(self.storage.close)

        if s.kafka_bootstrap_servers:
            await ensure_topics(
                s.kafka_bootstrap_servers,
                [s.topic_raw, s.topic_events, s.topic_dlq],
                s.topic_partitions,
            )
            broker = make_broker(s)
            publisher = KafkaPublisher(broker)
            normalizer_app.register_kafka(
                broker, s, publisher, self.tally.on_normalized, self._stage_error
            )
            writer_app.register_kafka(
                broker, s, self.storage, publisher, self.tally.on_written, self._stage_error
            )
            await broker.start()
            self._stack.push_async_callback(broker.stop)
            self._publisher = publisher
            self.say(f"transport: Kafka at {s.kafka_bootstrap_servers}")
        else:
            bus = InProcessBus(on_error=lambda topic, exc: self._stage_error(exc))
            normalizer_app.attach_in_process(bus, s, self.tally.on_normalized)
            writer_app.attach_in_process(bus, s, self.storage, self.tally.on_written)
            await bus.start()
            self._stack.push_async_callback(bus.stop)
            self._bus = bus
            self._publisher = bus
            self.say("transport: in-process")

        client = make_http_client(s)
        self._stack.push_async_callback(client.aclose)
        assert self._publisher is not None
        self._ctx = make_context(s, client, self._publisher)
        if self.progress is not None:
            report = self.progress
            self._ctx.on_page = lambda page: report(
                f"  {page.provider} {page.endpoint}: page {page.page_number} published"
            )

    async def run_once(self, since: datetime, until: datetime) -> RunTally:
        credentials = credentials_from_settings(self.settings)
        if not credentials:
            raise ConfigError("no provider credentials configured")
        providers = ", ".join(c.provider for c in credentials)
        self.say(
            f"fetching [{since:%Y-%m-%dT%H:%M:%SZ}, {until:%Y-%m-%dT%H:%M:%SZ})"
            f" in {self.settings.bucket_width} buckets for {providers}"
        )
        reports = await fetch_cycle(
            self._ctx,
            credentials,
            since,
            until,
            self.settings.bucket_width,
            endpoints_from_settings(self.settings),
        )
        self.tally.fetched.extend(reports)
        self.say(f"fetched {sum(r.pages for r in reports)} page(s); draining the pipeline")
        await self.drain()
        return self.tally

    async def publish_raw(self, pages: list[RawPage]) -> None:
        """Put raw pages (e.g. console CSV chunks) on the raw topic, as the fetcher does."""
        assert self._publisher is not None
        await self._publisher.publish_many(
            [Message(self.settings.topic_raw, raw_page_key(p), encode(p)) for p in pages]
        )

    def _stage_error(self, exc: Exception) -> None:
        self._failures.append(f"{type(exc).__name__}: {exc}")
        if len(self._failures) >= self.max_stage_failures:
            self._failing.set()

    async def drain(self) -> None:
        """Wait until every stage is idle; fail fast when a stage keeps failing."""
        work = asyncio.create_task(self._wait_idle())
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

    async def _wait_idle(self) -> None:
        if self._bus is not None:
            await self._bus.drain()
            return
        s = self.settings
        assert s.kafka_bootstrap_servers
        stages = [
            (normalizer_app.group_id(s), s.topic_raw),
            (writer_app.group_id(s), s.topic_events),
        ]
        # In order: once the normalizer has committed everything, every event it will
        # produce is already in the events topic, so the writer's lag is final.
        async with LagReader(s.kafka_bootstrap_servers) as lag:
            for group, topic in stages:
                # Lag lives in the broker: there is no event to await, so poll it.
                while await lag.of(group, topic) > 0:  # noqa: ASYNC110
                    await asyncio.sleep(0.2)

    async def run_forever(self, stop: asyncio.Event) -> None:
        credentials = credentials_from_settings(self.settings)
        await run_fetch_loop(self._ctx, credentials, self.settings, stop)
