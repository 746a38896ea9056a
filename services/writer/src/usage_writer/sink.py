"""Core of the writer: one batch of event messages in, one committed transaction out.

Execution order, owned by `write_batch` and nothing else:
1. decode every message; an undecodable one becomes a dead letter (published first, so it
   is durable before anything is acknowledged);
2. dedupe the batch by identity, keeping the newest `fetched_at` (then the latest offset),
   because one key twice in a single INSERT ... ON CONFLICT is an error;
3. upsert all rows in one transaction and commit;
4. only then count the rows and raise the freshness gauge (`freshness.py`).
The caller acknowledges (commits Kafka offsets) only after this returns. If it raises,
nothing is acknowledged and the batch is delivered again; the guarded upsert makes the
re-delivery harmless.
"""

from __future__ import annotations

import base64
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from usage_common import DeadLetter, decode_event, dedupe_key, encode, utc_now
from usage_transport import Message, Publisher

from .freshness import record_freshness
from .metrics import BATCH_DURATION, BATCH_SIZE, DLQ_MESSAGES, ROWS
from .storage import Storage, UpsertStats
from .tables import Event

__all__ = ["WriteResult", "dedupe_batch", "write_batch"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WriteResult:
    received: int
    written: int
    dead_letters: int
    stats: UpsertStats


def dedupe_batch(events: list[Event]) -> list[Event]:
    """One event per identity: newest `fetched_at` wins; on a tie, the later message."""
    chosen: dict[str, Event] = {}
    for event in events:
        key = dedupe_key(event)
        current = chosen.get(key)
        if current is None or event.fetched_at >= current.fetched_at:
            chosen[key] = event
    return list(chosen.values())


async def write_batch(
    storage: Storage,
    values: list[bytes],
    *,
    publisher: Publisher,
    source_topic: str,
    dlq_topic: str,
    clock: Callable[[], datetime] = utc_now,
) -> WriteResult:
    started = time.perf_counter()
    BATCH_SIZE.observe(len(values))
    events: list[Event] = []
    letters: list[Message] = []
    for value in values:
        try:
            events.append(decode_event(value))
        except ValidationError as exc:
            DLQ_MESSAGES.labels("unknown").inc()
            letter = DeadLetter(
                stage="writer",
                reason=f"usage event failed validation ({exc.error_count()} errors)",
                errors=[str(e["msg"]) for e in exc.errors(include_url=False)][:20],
                source_topic=source_topic,
                original_b64=base64.b64encode(value).decode(),
                failed_at=clock(),
            )
            letters.append(Message(dlq_topic, b"writer", encode(letter)))
            log.warning("event dead-lettered: %s", letter.reason, extra={"errors": letter.errors})
    if letters:
        await publisher.publish_many(letters)
    unique = dedupe_batch(events)
    stats = await storage.upsert(unique)
    for (kind, provider), counts in stats.by_kind.items():
        for outcome, n in counts.items():
            ROWS.labels(provider, kind, outcome).inc(n)
    record_freshness(unique)
    seconds = time.perf_counter() - started
    BATCH_DURATION.observe(seconds)
    outcomes: Counter[str] = Counter()
    for counts in stats.by_kind.values():
        outcomes.update(counts)
    fields = {
        "received": len(values),
        "written": len(unique),
        "dead_letters": len(letters),
        "providers": sorted({provider for _, provider in stats.by_kind}),
        **{outcome: outcomes[outcome] for outcome in ("inserted", "updated", "unchanged", "stale")},
        "seconds": round(seconds, 3),
    }
    log.info("batch written", extra=fields)
    return WriteResult(len(values), len(unique), len(letters), stats)
