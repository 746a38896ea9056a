"""`usage-pipeline dlq redrive`: dead-lettered messages back through the current stages.

Execution of `run_redrive`:
1. read the dead letters not yet redriven (dead-lettered since `since`, when given) from
   the `dead_letters` table, which the writer's archive fills in both modes;
2. publish each original message, byte for byte, to the topic of the stage that refused
   it (normalizer: the raw topic; writer: the events topic), as named by the current
   settings;
3. one-process mode: drain the `Pipeline(fetch=False)` the messages went through; on Kafka
   the services take them from the topics;
4. only then mark them `redriven_at`. A crash before that redrives them again next time,
   which the guarded upsert makes harmless. A message that still fails becomes a new dead
   letter (the old one stays, marked redriven).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from usage_common import RawPage, Settings, decode, raw_page_key
from usage_transport import KafkaTransport, Message
from usage_writer import Archive, StoredDeadLetter

from .database import database_url
from .pipeline import Pipeline
from .tally import RunTally

__all__ = ["RedriveResult", "run_redrive"]


@dataclass
class RedriveResult:
    letters: list[StoredDeadLetter] = field(default_factory=list)
    tally: RunTally = field(default_factory=RunTally)

    def lines(self) -> list[str]:
        return [f"redriven    {len(self.letters)} dead letter(s)", *self.tally.lines()]


def _message(settings: Settings, letter: StoredDeadLetter) -> Message:
    topic = settings.topic_events if letter.stage == "writer" else settings.topic_raw
    try:
        key = raw_page_key(decode(RawPage, letter.original))
    except ValidationError:
        key = (letter.page_id or f"dead-letter-{letter.id}").encode()
    return Message(topic, key, letter.original)


async def run_redrive(
    settings: Settings,
    since: datetime | None,
    *,
    say: Callable[[str], None] = print,
    progress: Callable[[str], None] | None = None,
) -> RedriveResult:
    report = progress or (lambda _line: None)
    if settings.kafka_bootstrap_servers:
        async with database_url(settings, say) as url:
            archive = await Archive.connect(url)
            try:
                letters = await archive.dead_letters(since, pending_only=True)
                transport = KafkaTransport(settings)
                await transport.start()
                try:
                    await transport.publish_many([_message(settings, x) for x in letters])
                finally:
                    await transport.stop()
                report(f"  {len(letters)} message(s) published for the services")
                await archive.mark_redriven([x.id for x in letters])
            finally:
                await archive.close()
        return RedriveResult(letters)

    tally = RunTally()
    async with Pipeline(settings, fetch=False, say=say, tally=tally) as pipeline:
        assert pipeline.archive is not None
        letters = await pipeline.archive.dead_letters(since, pending_only=True)
        await pipeline.publish([_message(settings, x) for x in letters])
        report(f"  {len(letters)} message(s) published; draining the pipeline")
        await pipeline.drain()
        await pipeline.archive.mark_redriven([x.id for x in letters])
    return RedriveResult(letters, tally)
