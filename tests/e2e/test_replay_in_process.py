"""Replay and dead letters in the one-process mode: in-process bus, real PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from usage_common import Settings, encode
from usage_normalizer.replay import ReplaySelection
from usage_pipeline import Pipeline
from usage_pipeline.redrive import run_redrive
from usage_pipeline.replay import run_replay
from usage_transport import Message

from .archive_support import (
    contents,
    execute,
    fetchval,
    golden_page,
    letter_from_an_older_normalizer,
)
from .test_cli import cli, cli_env

pytestmark = pytest.mark.postgres

SINCE = datetime(2025, 11, 1, tzinfo=UTC)
UNTIL = datetime(2025, 11, 3, tzinfo=UTC)
POISON = b'{"schema_version": 1, "provider": "openai", "this is": "not a raw page"}'


def in_process(url: str) -> Settings:
    return Settings(database_url=url, bucket_width="1h", writer_batch_timeout_ms=100)


async def test_replay_after_deleting_every_row_restores_them_exactly(database_url: str) -> None:
    settings = in_process(database_url)
    async with Pipeline(settings, simulate=True, say=lambda _: None) as pipeline:
        first = await pipeline.run_once(SINCE, UNTIL)
    assert not first.failed
    original = await contents(database_url)
    assert all(original[t] for t in original)
    pages = await fetchval(database_url, "SELECT count(*) FROM raw_pages")
    assert pages == sum(r.pages for r in first.fetched)

    for table in original:
        await execute(database_url, f"DELETE FROM {table}")
    lines: list[str] = []
    result = await run_replay(
        settings, ReplaySelection(), say=lambda _: None, progress=lines.append
    )
    assert result.progress.replayed == result.progress.total == pages
    assert lines[-1] == f"  {pages}/{pages} scanned, {pages} replayed"
    assert await contents(database_url) == original

    # Replay again: every row arrives, none changes.
    again = await run_replay(settings, ReplaySelection(), say=lambda _: None)
    assert sum(c["inserted"] + c["updated"] for c in again.tally.rows.values()) == 0
    assert await contents(database_url) == original


async def test_a_replay_never_overwrites_newer_data_and_a_range_selects_pages(
    database_url: str,
) -> None:
    settings = in_process(database_url)
    async with Pipeline(settings, simulate=True, say=lambda _: None) as pipeline:
        await pipeline.run_once(SINCE, UNTIL)
    # A later fetch revised one bucket (a newer fetched_at and another value).
    key = await fetchval(
        database_url,
        "SELECT dedupe_key FROM usage_events WHERE provider = 'openai' ORDER BY dedupe_key LIMIT 1",
    )
    await execute(
        database_url,
        "UPDATE usage_events SET output_tokens = output_tokens + 7,"
        " fetched_at = now() + interval '1 day' WHERE dedupe_key = $1",
        key,
    )
    revised = await contents(database_url)
    await execute(
        database_url, "DELETE FROM usage_events WHERE provider = 'openai' AND dedupe_key <> $1", key
    )

    nothing = await run_replay(settings, ReplaySelection(until=SINCE), say=lambda _: None)
    assert nothing.progress.total == 0
    one_day = ReplaySelection(SINCE, datetime(2025, 11, 2, tzinfo=UTC), "openai")
    ranged = await run_replay(settings, one_day, say=lambda _: None)
    everything = await fetchval(database_url, "SELECT count(*) FROM raw_pages")
    openai_pages = await fetchval(
        database_url, "SELECT count(*) FROM raw_pages WHERE provider = 'openai'"
    )
    # Every OpenAI page spans both days (one page holds the whole window): all overlap.
    assert 0 < ranged.progress.replayed == openai_pages < everything
    assert await contents(database_url) == revised  # the revised row kept its newer value


async def test_dead_letters_are_kept_and_redrive_sends_them_through_the_current_normalizer(
    database_url: str,
) -> None:
    settings = in_process(database_url)
    good = golden_page(datetime(2025, 11, 4, tzinfo=UTC))
    older = letter_from_an_older_normalizer(good, settings.topic_raw)
    async with Pipeline(settings, fetch=False, say=lambda _: None) as pipeline:
        await pipeline.publish([Message(settings.topic_raw, b"k", POISON)])
        await pipeline.publish(
            [Message(settings.topic_dlq, b"k", encode(older))] * 2
        )  # redelivered
        await pipeline.drain()
        assert pipeline.archive is not None
        letters = await pipeline.archive.dead_letters()
    assert len(letters) == 2  # the redelivered letter is one row
    poison = next(x for x in letters if x.original == POISON)
    fixed = next(x for x in letters if x.original == encode(good))
    assert "raw envelope failed validation" in poison.reason and poison.stage == "normalizer"
    assert fixed.reason == "no mapping for openai endpoint 'completions'"
    assert await fetchval(database_url, "SELECT count(*) FROM usage_events") == 0

    result = await run_redrive(settings, None, say=lambda _: None)
    assert sorted(x.id for x in result.letters) == sorted(x.id for x in letters)
    rows = await fetchval(
        database_url, "SELECT count(*) FROM usage_events WHERE organization_id = 'org-golden'"
    )
    assert rows > 0  # the fixed page was written
    # The poison page failed again: a new letter, the two old ones marked redriven.
    assert (
        await fetchval(database_url, "SELECT count(*) FROM dead_letters WHERE redriven_at IS NULL")
        == 1
    )
    assert await fetchval(database_url, "SELECT count(*) FROM dead_letters") == 3
    # --since after every letter: nothing to redrive.
    none = await run_redrive(settings, datetime(2100, 1, 1, tzinfo=UTC), say=lambda _: None)
    assert none.letters == []


async def test_the_commands_list_show_redrive_and_replay(database_url: str, tmp_path: Path) -> None:
    settings = in_process(database_url)
    async with Pipeline(settings, fetch=False, say=lambda _: None) as pipeline:
        await pipeline.publish([Message(settings.topic_raw, b"k", POISON)])
        await pipeline.drain()
    env = cli_env(tmp_path, USAGE_DATABASE_URL=database_url)

    listed = cli(env, "dlq", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    [letter] = json.loads(listed.stdout)
    assert letter["stage"] == "normalizer" and letter["redriven_at"] is None
    table = cli(env, "dlq", "list")
    assert "raw envelope failed validation" in table.stdout
    assert table.stdout.splitlines()[-1] == "1 dead letter(s)"
    shown = cli(env, "dlq", "show", str(letter["id"]))
    assert json.loads(shown.stdout)["original"] == json.loads(POISON)
    missing = cli(env, "dlq", "show", "999999")
    assert missing.returncode == 2 and "no dead letter with id 999999" in missing.stderr

    redriven = cli(env, "dlq", "redrive")
    assert redriven.returncode == 1  # the page is still unreadable: dead-lettered again
    assert "redriven    1 dead letter(s)" in redriven.stdout
    replayed = cli(env, "replay", "--since", "2025-11-01", "--provider", "openai")
    assert replayed.returncode == 0, replayed.stderr
    assert "replayed    0 page(s) of 0" in replayed.stdout
    backwards = cli(env, "replay", "--since", "2025-11-03", "--until", "2025-11-01")
    assert backwards.returncode == 2
    no_kafka = cli(env, "topics", "ensure")
    assert no_kafka.returncode == 2 and "USAGE_KAFKA_BOOTSTRAP_SERVERS" in no_kafka.stderr
