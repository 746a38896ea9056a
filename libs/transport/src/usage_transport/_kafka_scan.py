"""Read a whole topic once, from its first record to where it ended when the read began.

Replay on Kafka uses this instead of a consumer group: nothing is committed, no live
group is disturbed, and the read stops at the end offsets taken at the start, so pages the
fetcher publishes meanwhile are left to the normalizer service.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from usage_common import InfrastructureError

from ._kafka_connection import KafkaConnection, kafka_connection

__all__ = ["TopicScan"]


class TopicScan:
    """Usage:
    async with TopicScan(bootstrap, "usage.raw.v1") as scan:
        print(scan.total)               # records to read
        async for value in scan.values():
            ...
    """

    def __init__(
        self, bootstrap: str | KafkaConnection, topic: str, max_records: int = 500
    ) -> None:
        self._connection = kafka_connection(bootstrap)
        self._topic = topic
        self._max = max_records
        # `earliest` as well as the seek below: a reset by the default policy (`latest`)
        # can win the race with the seek on a loaded machine, and the scan then starts at
        # the end and reads nothing (seen: "0/15 scanned" while a writer service started).
        self._consumer = AIOKafkaConsumer(
            **self._connection.client_options(),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self._ends: dict[TopicPartition, int] = {}
        self.total = 0

    async def __aenter__(self) -> TopicScan:
        try:
            await self._consumer.start()
            # Ask the broker, not the consumer's metadata cache (empty until first used).
            admin = AIOKafkaAdminClient(**self._connection.client_options())
            await admin.start()
            try:
                [described] = await admin.describe_topics([self._topic])
            finally:
                await admin.close()
            partitions = [p["partition"] for p in described.get("partitions") or ()]
            tps = sorted(TopicPartition(self._topic, p) for p in partitions)
            if tps:
                self._consumer.assign(tps)
                starts = await self._consumer.beginning_offsets(tps)
                self._ends = dict(await self._consumer.end_offsets(tps))
                self.total = sum(self._ends[tp] - starts[tp] for tp in tps)
                await self._consumer.seek_to_beginning(*tps)
        except KafkaError as exc:
            await self._consumer.stop()
            raise InfrastructureError(
                f"cannot read {self._topic}: {self._connection.explain(exc)}"
            ) from exc
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._consumer.stop()

    async def values(self) -> AsyncIterator[bytes]:
        """Every record value up to the end offsets of the start, partition order kept."""
        remaining = dict(self._ends)
        try:
            for tp in list(remaining):
                if await self._consumer.position(tp) >= remaining[tp]:
                    del remaining[tp]
            while remaining:
                batch = await self._consumer.getmany(
                    *remaining, timeout_ms=1000, max_records=self._max
                )
                for tp, records in batch.items():
                    for record in records:
                        if record.offset < remaining.get(tp, 0) and record.value is not None:
                            yield record.value
                for tp in list(remaining):
                    if await self._consumer.position(tp) >= remaining[tp]:
                        del remaining[tp]
        except KafkaError as exc:
            raise InfrastructureError(f"reading {self._topic} failed: {exc!r}") from exc
