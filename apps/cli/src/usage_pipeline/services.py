"""The service mode's composition root: `usage-pipeline service NAME`, one stage as its own
long-running process on Kafka (what Kubernetes runs).

Every service needs Kafka; the writer also needs PostgreSQL at the current schema. Each
serves /metrics, /healthz and /readyz on `USAGE_OPS_PORT`, and stops cleanly on SIGTERM
(in-flight handlers finish within FastStream's graceful timeout). The stage is wired by
its own `wire`, the same function the one-process mode calls.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable
from typing import Literal

import usage_fetcher.app as fetcher
import usage_normalizer.app as normalizer
import usage_writer.app as writer
from usage_common import ConfigError, Settings, log_context
from usage_fetcher import (
    FetchState,
    LoadedCredentials,
    RunRequests,
    all_credentials,
    credential_source,
    trigger_routes,
)
from usage_transport import (
    KafkaConnection,
    KafkaTransport,
    ReadinessCheck,
    create_ops_app,
    serve_ops,
)
from usage_writer import Archive, PostgresStorage, wire_archive

from .signals import stop_on_signals

__all__ = ["ServiceName", "run_service"]

ServiceName = Literal["fetcher", "normalizer", "writer"]

log = logging.getLogger(__name__)

NO_FETCHER_CREDENTIALS = (
    "no provider credentials: set USAGE_ANTHROPIC_ADMIN_KEY and/or USAGE_OPENAI_ADMIN_KEY,"
    " or store one with `usage-pipeline credentials add`"
)


def _refuse_incomplete(name: ServiceName, settings: Settings) -> None:
    """Everything a service needs is checked before anything is started."""
    if not settings.kafka_bootstrap_servers:
        raise ConfigError("USAGE_KAFKA_BOOTSTRAP_SERVERS must be set to run a single service")
    KafkaConnection.from_settings(settings)  # the Kafka login fits together (ConfigError)
    if name in ("writer", "fetcher") and not settings.database_url:
        raise ConfigError(f"USAGE_DATABASE_URL must be set to run the {name} service")


async def run_service(name: ServiceName, settings: Settings) -> None:
    """Run one service until SIGTERM; every line it logs carries `service=name`."""
    with log_context(service=name):
        await _run_service(name, settings)
        log.info("service stopped")


async def _run_service(name: ServiceName, settings: Settings) -> None:
    _refuse_incomplete(name, settings)
    if name == "fetcher":
        # The environment's keys and the stored ones, read again every cycle; refuse only
        # when there are none at all.
        def load() -> Awaitable[LoadedCredentials]:
            return all_credentials(settings, settings.database_url)

        source = credential_source(load)
        found = await load()
        if not found.usable and not found.failed:
            raise ConfigError(NO_FETCHER_CREDENTIALS)
    stop = stop_on_signals()
    transport = KafkaTransport(settings)
    checks: dict[str, ReadinessCheck] = {"kafka": transport.ping}
    async with contextlib.AsyncExitStack() as stack:
        await transport.ensure_topics()
        if name == "fetcher":
            assert settings.database_url
            state = await FetchState.connect(settings.database_url)
            stack.push_async_callback(state.close)
            checks["postgres"] = state.ping
        if name == "normalizer":
            normalizer.wire(transport, settings)
        elif name == "writer":
            assert settings.database_url
            storage = await PostgresStorage.connect(settings.database_url)
            stack.push_async_callback(storage.close)
            checks["postgres"] = storage.ping
            writer.wire(transport, settings, storage)
            archive = await Archive.connect(settings.database_url)
            stack.push_async_callback(archive.close)
            wire_archive(transport, settings, archive, raw_pages=False)  # the raw topic is kept
        await transport.start()
        stack.push_async_callback(transport.stop)
        requests = RunRequests()
        routes = trigger_routes(requests, settings.trigger_token) if name == "fetcher" else []
        ops = create_ops_app(checks, routes=routes)
        port = await stack.enter_async_context(serve_ops(ops, settings.ops_host, settings.ops_port))
        log.info("service started", extra={"ops_port": port, "checks": sorted(checks)})
        if name == "fetcher":
            client = fetcher.make_http_client(settings)
            stack.push_async_callback(client.aclose)
            ctx = fetcher.wire(transport, settings, client, state=state)
            await fetcher.run_fetch_loop(ctx, state, source, settings, stop, requests)
        else:
            await stop.wait()
