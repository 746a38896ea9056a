from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from usage_common import encode
from usage_writer import StorageError, write_batch

from .test_sink import Recorder, event

# A year no other test writes, so this module's gauge values are its own.
T0 = datetime(2091, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def freshness(endpoint: str) -> float | None:
    return REGISTRY.get_sample_value(
        "usage_data_newest_bucket_end_timestamp_seconds",
        {"provider": "openai", "endpoint": endpoint},
    )


async def write(rec: Recorder, *starts_and_fetches: tuple[datetime, datetime]) -> None:
    values = [
        encode(
            event(
                usage_type="moderations",
                window_start=start,
                window_end=start + HOUR,
                fetched_at=fetched,
            )
        )
        for start, fetched in starts_and_fetches
    ]
    await write_batch(rec, values, publisher=rec, source_topic="events", dlq_topic="dlq")


async def test_freshness_is_the_newest_complete_bucket_and_never_moves_back() -> None:
    rec = Recorder()
    # The first hour was fetched after it ended; the second while it was still running.
    await write(rec, (T0, T0 + 2 * HOUR), (T0 + HOUR, T0 + 90 * timedelta(minutes=1)))
    assert freshness("moderations") == (T0 + HOUR).timestamp()
    # A replay of an older, complete hour leaves the data as fresh as it was.
    await write(rec, (T0 - 5 * HOUR, T0 + 3 * HOUR))
    assert freshness("moderations") == (T0 + HOUR).timestamp()
    # The second hour, fetched again once complete, moves it forward.
    await write(rec, (T0 + HOUR, T0 + 3 * HOUR))
    assert freshness("moderations") == (T0 + 2 * HOUR).timestamp()


async def test_a_failed_commit_does_not_make_data_look_fresh() -> None:
    rec = Recorder(fail=True)
    before = freshness("moderations") or 0.0
    with pytest.raises(StorageError):
        await write(rec, (T0 + 500 * HOUR, T0 + 600 * HOUR))
    assert (freshness("moderations") or 0.0) == before
