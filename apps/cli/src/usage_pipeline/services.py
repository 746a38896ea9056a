"""`usage-pipeline service NAME`: one stage as its own long-running process (Kubernetes).

Every service needs Kafka; the writer also needs PostgreSQL at the current schema. Each
serves /metrics, /healthz and /readyz on `USAGE_OPS_PORT`, and stops cleanly on SIGTERM
(in-flight handlers finish within FastStream's graceful timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Literal

from usage_common import ConfigError, InfrastructureError, Settings
from usage_fetcher import credentials_from_settings
from usage_fetcher.app import make_context, make_http_client, run_fetch_loop
from usage_normalizer import app as normalizer_app
from usage_transport import (
    KafkaPublisher,
    ReadinessCheck,
    create_ops_app,
    ensure_topics,
    make_broker,
    serve_ops,
)
from usage_writer import PostgresStorage
from usage_writer import app as writer_app

__all__ = ["ServiceName", "run_service", "stop_on_signals"]

ServiceName = Literal["fetcher", "normalizer", "writer"]


def stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def run_service(name: ServiceName, settings: Settings) -> None:
    if not settings.kafka_bootstrap_servers:
        raise ConfigError("USAGE_KAFKA_BOOTSTRAP_SERVERS must be set to run a single service")
    stop = stop_on_signals()
    broker = make_broker(settings)
    publisher = KafkaPublisher(broker)

    async def kafka_ready() -> None:
        if not await broker.ping(timeout=3.0):
            raise InfrastructureError("Kafka does not answer")

    checks: dict[str, ReadinessCheck] = {"kafka": kafka_ready}
    async with contextlib.AsyncExitStack() as stack:
        await ensure_topics(
            settings.kafka_bootstrap_servers,
            [settings.topic_raw, settings.topic_events, settings.topic_dlq],
            settings.topic_partitions,
        )
        if name == "normalizer":
            normalizer_app.register_kafka(broker, settings, publisher)
        elif name == "writer":
            if not settings.database_url:
                raise ConfigError("USAGE_DATABASE_URL must be set to run the writer service")
            storage = await PostgresStorage.connect(settings.database_url)
            stack.push_async_callback(storage.close)
            checks["postgres"] = storage.ping
            writer_app.register_kafka(broker, settings, storage, publisher)
        await broker.start()
        stack.push_async_callback(broker.stop)
        ops = create_ops_app(checks)
        await stack.enter_async_context(serve_ops(ops, settings.ops_host, settings.ops_port))
        if name == "fetcher":
            credentials = credentials_from_settings(settings)
            if not credentials:
                raise ConfigError(
                    "no provider credentials: set USAGE_ANTHROPIC_ADMIN_KEY and/or"
                    " USAGE_OPENAI_ADMIN_KEY"
                )
            client = make_http_client(settings)
            stack.push_async_callback(client.aclose)
            await run_fetch_loop(
                make_context(settings, client, publisher), credentials, settings, stop
            )
        else:
            await stop.wait()
