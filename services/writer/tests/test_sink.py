from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from usage_common import DeadLetter, UsageEvent, decode, encode
from usage_transport import Message
from usage_writer import StorageError, UpsertStats, dedupe_batch, write_batch

T0 = datetime(2025, 11, 1, tzinfo=UTC)


def event(**overrides: Any) -> UsageEvent:
    fields: dict[str, Any] = {
        "provider": "openai",
        "organization_id": "org",
        "source": "admin_api",
        "usage_type": "completions",
        "bucket_width": "1h",
        "window_start": T0,
        "window_end": T0 + timedelta(hours=1),
        "input_tokens": 10,
        "input_uncached_tokens": 10,
        "input_cache_read_tokens": 0,
        "input_cache_write_tokens": 0,
        "input_cache_write_5m_tokens": 0,
        "input_cache_write_1h_tokens": 0,
        "output_tokens": 1,
        "requests": 1,
        "fetched_at": T0,
    }
    fields.update(overrides)
    return UsageEvent(**fields)


class Recorder:
    """Storage and publisher fakes that log the order of calls."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[str] = []
        self.upserted: list[UsageEvent] = []
        self.published: list[Message] = []
        self.fail = fail

    async def upsert(self, events: list[Any]) -> UpsertStats:
        self.calls.append("upsert")
        if self.fail:
            raise StorageError("database down")
        self.upserted = events
        stats = UpsertStats()
        for e in events:
            stats.add(e.kind, e.provider, "inserted")
        return stats

    async def publish_many(self, messages: list[Message]) -> None:
        self.calls.append("publish")
        self.published.extend(messages)


def test_dedupe_keeps_the_newest_fetch_of_each_identity() -> None:
    old = event(output_tokens=1, fetched_at=T0)
    new = event(output_tokens=2, fetched_at=T0 + timedelta(minutes=5))
    other = event(model="gpt-4o")
    assert dedupe_batch([new, old, other]) == [new, other]


def test_dedupe_tie_goes_to_the_later_message() -> None:
    first, second = event(output_tokens=1), event(output_tokens=2)
    assert dedupe_batch([first, second]) == [second]


async def test_batch_is_deduped_before_the_upsert() -> None:
    rec = Recorder()
    values = [encode(event(output_tokens=n)) for n in (1, 2, 3)]
    result = await write_batch(rec, values, publisher=rec, source_topic="events", dlq_topic="dlq")
    assert (result.received, result.written) == (3, 1)
    assert [e.output_tokens for e in rec.upserted] == [3]


async def test_undecodable_event_is_dead_lettered_before_the_commit() -> None:
    rec = Recorder()
    result = await write_batch(
        rec, [b"{garbage", encode(event())], publisher=rec, source_topic="events", dlq_topic="dlq"
    )
    assert rec.calls == ["publish", "upsert"]
    assert result.dead_letters == 1 and result.written == 1
    letter = decode(DeadLetter, rec.published[0].value)
    assert letter.stage == "writer" and letter.source_topic == "events"


async def test_storage_failure_propagates_so_nothing_is_acknowledged() -> None:
    rec = Recorder(fail=True)
    with pytest.raises(StorageError):
        await write_batch(
            rec, [encode(event())], publisher=rec, source_topic="events", dlq_topic="dlq"
        )
