"""Replay on Kafka: the raw topic, read once from the start, through the current normalizer.

Execution of `replay_topic`:
1. take the raw topic's end offsets (`TopicScan`): the replay covers what was there when
   it started, and pages published meanwhile are left to the normalizer service;
2. read every partition from its first record, in offset order; select the pages whose
   window (`page_window`) overlaps [since, until) and whose provider matches; a record that
   is not a raw page is skipped (its dead letter already holds it);
3. hand the selected pages, a batch at a time, to the normalizer's own handler, which
   publishes their events (or dead letters) and returns once the broker acknowledged them;
4. stop at the end offsets. The writer service applies the events with its guarded
   upsert, so rows fetched later than a replayed page are never overwritten, and a replay
   with an unchanged normalizer writes nothing.
No consumer group is used: nothing is committed and no live group is disturbed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from usage_common import RawPage, Settings, decode, page_window, window_overlaps
from usage_transport import KafkaConnection, Publisher, TopicScan

from .app import make_handler
from .normalize import NormalizeResult

__all__ = ["ReplayProgress", "ReplaySelection", "replay_topic"]


@dataclass(frozen=True, slots=True)
class ReplaySelection:
    since: datetime | None = None
    until: datetime | None = None
    provider: str | None = None

    def wants(self, page: RawPage) -> bool:
        if self.provider is not None and page.provider != self.provider:
            return False
        return window_overlaps(page_window(page), self.since, self.until)


@dataclass
class ReplayProgress:
    total: int = 0
    """Records in the topic when the replay started."""
    scanned: int = 0
    replayed: int = 0
    unreadable: int = 0
    events: int = 0
    dead_letters: int = 0


async def replay_topic(
    settings: Settings,
    publisher: Publisher,
    selection: ReplaySelection,
    progress: Callable[[ReplayProgress], None] | None = None,
    batch: int = 100,
) -> ReplayProgress:
    if not settings.kafka_bootstrap_servers:
        raise ValueError("replay_topic needs USAGE_KAFKA_BOOTSTRAP_SERVERS")
    state = ReplayProgress()

    def observe(result: NormalizeResult) -> None:
        state.events += len(result.events)
        state.dead_letters += result.dead_letter is not None

    handle = make_handler(settings, publisher, observe)
    pending: list[bytes] = []

    async def flush() -> None:
        if pending:
            await handle(pending)
            state.replayed += len(pending)
            pending.clear()
        if progress:
            progress(state)

    async with TopicScan(KafkaConnection.from_settings(settings), settings.topic_raw) as scan:
        state.total = scan.total
        async for value in scan.values():
            state.scanned += 1
            try:
                page = decode(RawPage, value)
            except ValidationError:
                state.unreadable += 1
                continue
            if selection.wants(page):
                pending.append(value)
            # Progress also while nothing is selected (a narrow range over a long topic).
            if len(pending) >= batch or state.scanned % (batch * 5) == 0:
                await flush()
        await flush()
    return state
