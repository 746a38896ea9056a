"""`usage-pipeline replay`: raw pages again through the current normalizer, in either mode.

Execution of `run_replay`:
- On Kafka (`USAGE_KAFKA_BOOTSTRAP_SERVERS` set): `usage_normalizer.replay.replay_topic`
  reads the raw topic from its start to the end offsets taken at the start (no consumer
  group), normalizes the selected pages with the normalizer's own handler and publishes
  their events for the writer service, which applies them; with `wait`, until the writer's
  group has no lag on the events topic.
- In the one-process mode: the pages kept in `raw_pages` whose window overlaps the range
  are read in fetch order and published to the raw topic of a `Pipeline(fetch=False)`,
  draining every `drain_every` pages (so memory stays bounded) and at the end.
Either way the writer's guarded upsert decides: a row fetched later than a replayed page
is never overwritten, and pages whose mapping did not change write nothing. Replaying
everything after the rows were deleted restores them exactly, because each page carries
its original `fetched_at` and the newest fetch of each identity wins again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from usage_common import RawPage, Settings, decode, raw_page_key
from usage_normalizer.replay import ReplayProgress, ReplaySelection, replay_topic
from usage_transport import KafkaConnection, KafkaTransport, LagReader, Message
from usage_writer.app import group_id as writer_group

from .pipeline import Pipeline
from .tally import RunTally

__all__ = ["ReplayResult", "run_replay"]


@dataclass
class ReplayResult:
    mode: str
    progress: ReplayProgress
    tally: RunTally = field(default_factory=RunTally)

    def lines(self) -> list[str]:
        p = self.progress
        out = [f"replayed    {p.replayed} page(s) of {p.total} ({self.mode})"]
        if p.unreadable:
            out.append(f"skipped     {p.unreadable} record(s) that are not raw pages")
        if self.mode == "kafka":
            out.append(
                f"published   {p.events} event(s), {p.dead_letters} dead letter(s);"
                " the writer service applies them"
            )
        out.extend(self.tally.lines())
        return out


async def _wait_for_writer(settings: Settings, report: Callable[[str], None]) -> None:
    """Until the writer service's group has committed everything in the events topic."""
    group = writer_group(settings)
    async with LagReader(KafkaConnection.from_settings(settings)) as lag:
        while (behind := await lag.of(group, settings.topic_events)) > 0:
            report(f"  waiting for the writer ({group}): {behind} event(s) to apply")
            # The lag lives in the broker: there is nothing to await but the next reading.
            await asyncio.sleep(1.0)


def _line(p: ReplayProgress) -> str:
    return f"  {p.scanned}/{p.total} scanned, {p.replayed} replayed"


async def run_replay(
    settings: Settings,
    selection: ReplaySelection,
    *,
    say: Callable[[str], None] = print,
    progress: Callable[[str], None] | None = None,
    drain_every: int = 500,
    wait: bool = False,
) -> ReplayResult:
    report = progress or (lambda _line: None)
    if settings.kafka_bootstrap_servers:
        transport = KafkaTransport(settings)
        await transport.ensure_topics()
        await transport.start()
        try:
            state = await replay_topic(settings, transport, selection, lambda p: report(_line(p)))
        finally:
            await transport.stop()
        if wait:
            await _wait_for_writer(settings, report)
        return ReplayResult("kafka", state)

    tally = RunTally()
    state = ReplayProgress()
    async with Pipeline(settings, fetch=False, say=say, tally=tally) as pipeline:
        assert pipeline.archive is not None
        archive = pipeline.archive
        window = (selection.since, selection.until, selection.provider)
        state.total = await archive.count_raw_pages(*window)
        async for value in archive.raw_pages(*window):
            page = decode(RawPage, value)
            await pipeline.publish([Message(settings.topic_raw, raw_page_key(page), value)])
            state.scanned += 1
            state.replayed += 1
            if state.replayed % drain_every == 0:
                await pipeline.drain()
                report(_line(state))
        await pipeline.drain()
        report(_line(state))
    return ReplayResult("raw_pages table", state, tally)
