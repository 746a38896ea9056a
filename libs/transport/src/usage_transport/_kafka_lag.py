"""Consumer lag on Kafka: read on demand (`LagReader`, what `drain` polls) and kept current
for `/metrics` (`LagMonitor`, a background task of the transport)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError, UnknownTopicOrPartitionError

from usage_common import InfrastructureError

from ._kafka_connection import KafkaConnection, kafka_connection
from ._metrics import CONSUMER_LAG, CONSUMER_LAG_READ_ERRORS

__all__ = ["LagMonitor", "LagReader"]

log = logging.getLogger(__name__)


class LagReader:
    """Reads how far consumer groups are behind, over one admin client and one consumer
    (open it once for a whole drain, not once per poll).

    Usage:
        async with LagReader(bootstrap) as lag:
            await lag.of("usage-pipeline-writer", "usage.events.v1")
    """

    def __init__(self, bootstrap: str | KafkaConnection) -> None:
        connection = kafka_connection(bootstrap)
        self._connection = connection
        self._admin = AIOKafkaAdminClient(**connection.client_options())
        self._consumer = AIOKafkaConsumer(**connection.client_options(), enable_auto_commit=False)

    async def __aenter__(self) -> LagReader:
        try:
            await self._admin.start()
            await self._consumer.start()
        except KafkaError as exc:
            await self.__aexit__()
            connection = self._connection
            raise InfrastructureError(
                f"cannot reach Kafka at {connection.bootstrap}: {connection.explain(exc)}"
            ) from exc
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def of(self, group_id: str, topic: str) -> int:
        """Records in `topic` not yet committed by `group_id` (0 when fully drained)."""
        try:
            # Ask the broker, not the client's metadata cache: an empty cache would read as
            # "no partitions, nothing to do" and end a drain too early.
            [described] = await self._admin.describe_topics([topic])
            if described["error_code"] == UnknownTopicOrPartitionError.errno:
                return 0
            if described["error_code"]:
                raise InfrastructureError(
                    f"cannot describe {topic}: error {described['error_code']}"
                )
            tps = sorted(TopicPartition(topic, p["partition"]) for p in described["partitions"])
            ends = await self._consumer.end_offsets(tps)
            committed = await self._admin.list_consumer_group_offsets(group_id, partitions=tps)
        except KafkaError as exc:
            raise InfrastructureError(f"cannot read consumer lag: {exc!r}") from exc
        lag = 0
        for tp in tps:
            meta = committed.get(tp)
            done = meta.offset if meta is not None and meta.offset >= 0 else 0
            lag += max(ends[tp] - done, 0)
        return lag


class LagMonitor:
    """Sets `usage_consumer_lag_messages{group,topic}` for each pair every `interval`
    seconds, over one `LagReader` that is reopened after a failure.

    Usage:
        monitor = LagMonitor(bootstrap, [("usage-pipeline-writer", "usage.events.v1")], 15.0)
        monitor.start()
        ...
        await monitor.stop()

    A failed read counts in `usage_consumer_lag_read_errors_total` and leaves the gauge at
    its last value: lag is an observation, so a broker problem never stops a stage here
    (the stages' own reads and commits report it).
    """

    def __init__(
        self, bootstrap: str | KafkaConnection, pairs: Sequence[tuple[str, str]], interval: float
    ) -> None:
        if interval <= 0:
            raise ValueError("the lag interval must be positive")
        self._bootstrap = bootstrap
        self._pairs = list(dict.fromkeys(pairs))
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._pairs and self._task is None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                async with LagReader(self._bootstrap) as lag:
                    while True:
                        for group, topic in self._pairs:
                            CONSUMER_LAG.labels(group, topic).set(await lag.of(group, topic))
                        await asyncio.sleep(self._interval)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # an observer: report, reopen, go on
                CONSUMER_LAG_READ_ERRORS.inc()
                log.warning("reading consumer lag failed: %s", exc)
                await asyncio.sleep(self._interval)
