"""Console CSV import, end to end: the CLI as a user runs it, and the pipeline on real Kafka.

Expected totals are summed here straight from the files' cells (not through the
importer's parser), so the database is checked against the export itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from usage_common import USAGE_MEASURES, Settings
from usage_pipeline.csv_import import ImportArgs, run_import
from usage_pipeline.database import database_url as embedded_database_url
from usage_simulator import console_csv

from .expected import SEED
from .test_cli import cli, cli_env

FIXTURES = Path(__file__).parents[2] / "services" / "normalizer" / "tests" / "fixtures" / "csv"
SINCE = datetime(2025, 11, 1, tzinfo=UTC)
UNTIL = datetime(2025, 11, 3, tzinfo=UTC)

# (provider, kind, a fixture of that export)
KINDS = [
    ("anthropic", "usage", "anthropic_usage_v3.csv"),
    ("anthropic", "cost", "anthropic_cost_v4.csv"),
    ("openai", "usage", "openai_usage_v1.csv"),
    ("openai", "cost", "openai_cost_v2.csv"),
]
KIND_IDS = [f"{p}-{k}" for p, k, _ in KINDS]


def export_files(tmp_path: Path, provider: str, kind: str, fixture: str) -> list[Path]:
    """A hand-written fixture, and the simulator's export of two days of its data."""
    simulated = tmp_path / f"{provider}_{kind}_simulated.csv"
    simulated.write_text(
        console_csv(provider, kind, SINCE, UNTIL, SEED),  # type: ignore[arg-type]
        encoding="utf-8",
    )
    return [FIXTURES / fixture, simulated]


def _cells(paths: Iterable[Path]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in paths:
        rows.extend(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return rows


def _int(value: str | None) -> int:
    return int(Decimal(value)) if value else 0


def file_totals(provider: str, kind: str, paths: Iterable[Path]) -> dict[str, Any]:
    """What the database must hold for these files, summed from their cells."""
    rows = _cells(paths)
    if kind == "cost":
        column = "cost_usd" if provider == "anthropic" else "amount_value"
        priced = [r for r in rows if r.get(column)]
        return {
            "rows": len(priced),
            "cost_usd": sum((Decimal(r[column]) for r in priced), Decimal(0)),
        }
    if provider == "anthropic":
        uncached = sum(_int(r["usage_input_tokens_no_cache"]) for r in rows)
        read = sum(_int(r["usage_input_tokens_cache_read"]) for r in rows)
        write_5m = sum(_int(r.get("usage_input_tokens_cache_write_5m")) for r in rows)
        write_1h = sum(_int(r.get("usage_input_tokens_cache_write_1h")) for r in rows)
        unsplit = sum(_int(r.get("usage_input_tokens_cache_write")) for r in rows)
        write = write_5m + write_1h + unsplit
        return {
            "rows": len(rows),
            "input_tokens": uncached + read + write,
            "input_uncached_tokens": uncached,
            "input_cache_read_tokens": read,
            "input_cache_write_tokens": write,
            "input_cache_write_5m_tokens": write_5m,
            "input_cache_write_1h_tokens": write_1h,
            "output_tokens": sum(_int(r["usage_output_tokens"]) for r in rows),
            "requests": None,  # Anthropic reports none
            "web_search_requests": sum(_int(r.get("web_search_count")) for r in rows),
        }
    used = [r for r in rows if r.get("input_tokens")]  # the others are empty buckets
    total = sum(_int(r["input_tokens"]) for r in used)
    cached = sum(_int(r.get("input_cached_tokens")) for r in used)
    uncached = sum(_int(r.get("input_uncached_tokens")) for r in used)
    # Without an input_cache_write_tokens column, the cache write is the remainder.
    write = total - cached - uncached
    return {
        "rows": len(used),
        "input_tokens": total,
        "input_uncached_tokens": uncached,
        "input_cache_read_tokens": cached,
        "input_cache_write_tokens": write,
        "input_cache_write_5m_tokens": 0,
        "input_cache_write_1h_tokens": 0,
        "output_tokens": sum(_int(r["output_tokens"]) for r in used),
        "requests": sum(_int(r["num_model_requests"]) for r in used),
        "web_search_requests": None,  # not in the completions export
    }


async def db_totals(url: str, provider: str, kind: str) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        if kind == "cost":
            row = await conn.fetchrow(
                "SELECT count(*) AS rows, coalesce(sum(cost_usd), 0) AS cost_usd"
                " FROM cost_events WHERE provider = $1 AND source = 'console_csv'",
                provider,
            )
        else:
            sums = ", ".join(f"sum({m})::bigint AS {m}" for m in USAGE_MEASURES)
            row = await conn.fetchrow(
                f"SELECT count(*) AS rows, {sums} FROM usage_events"
                " WHERE provider = $1 AND source = 'console_csv'",
                provider,
            )
    finally:
        await conn.close()
    assert row is not None
    return dict(row)


async def snapshot(url: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        usage = await conn.fetch("SELECT * FROM usage_events ORDER BY dedupe_key")
        cost = await conn.fetch("SELECT * FROM cost_events ORDER BY dedupe_key")
    finally:
        await conn.close()
    return [dict(r) for r in [*usage, *cost]]


async def embedded(data_dir: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Snapshot and per-kind totals of the CLI's embedded database (the CLI has exited)."""
    settings = Settings(data_dir=data_dir, database_url=None)
    async with embedded_database_url(settings) as url:
        totals = {f"{p}-{k}": await db_totals(url, p, k) for p, k, _ in KINDS}
        return await snapshot(url), totals


# --- the CLI, in-process with the embedded PostgreSQL ---------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize(("provider", "kind", "fixture"), KINDS, ids=KIND_IDS)
async def test_cli_import_is_exact_and_a_second_import_changes_nothing(
    tmp_path: Path, provider: str, kind: str, fixture: str
) -> None:
    data = tmp_path / "data"
    env = cli_env(data)
    files = [str(p) for p in export_files(tmp_path, provider, kind, fixture)]
    args = ["import-csv", "--provider", provider, "--kind", kind, *files, "--chunk-rows", "7"]
    expected = file_totals(provider, kind, map(Path, files))

    first = cli(env, *args)
    assert first.returncode == 0, first.stderr
    assert f"{expected['rows']:>6} inserted  0 updated" in first.stdout, first.stdout
    assert "chunk 1/" in first.stderr  # progress, on stderr
    rows, totals = await embedded(data)
    assert totals[f"{provider}-{kind}"] == expected
    assert {k: v["rows"] for k, v in totals.items() if k != f"{provider}-{kind}"} == {
        k: 0 for k in KIND_IDS if k != f"{provider}-{kind}"
    }

    second = cli(env, *args)
    assert second.returncode == 0, second.stderr
    assert f"     0 inserted  0 updated  {expected['rows']} unchanged" in second.stdout
    assert (await embedded(data))[0] == rows


@pytest.mark.postgres
def test_cli_refuses_a_wrong_kind_or_unknown_column_and_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = cli_env(data)
    good = str(FIXTURES / "anthropic_usage_v2.csv")
    usage = ["import-csv", "--provider", "anthropic", "--kind", "usage"]

    wrong_kind = cli(env, *usage, good, str(FIXTURES / "anthropic_cost_v4.csv"))
    assert wrong_kind.returncode == 2
    assert "anthropic_cost_v4.csv: this is an Anthropic cost export, not a usage export" in (
        wrong_kind.stderr
    )
    unknown = cli(env, *usage, good, str(FIXTURES / "anthropic_usage_unknown_column.csv"))
    assert unknown.returncode == 2
    assert "anthropic_usage_unknown_column.csv: not an Anthropic usage export as known:" in (
        unknown.stderr
    )
    assert "unknown column(s) priority_level" in unknown.stderr
    missing = cli(env, *usage, str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "nope.csv: cannot read the file" in missing.stderr
    assert not data.exists()  # refused before anything was started, published or written


@pytest.mark.postgres
async def test_a_bad_file_stops_the_good_files_given_with_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = cli_env(data)
    usage = ["import-csv", "--provider", "anthropic", "--kind", "usage"]
    first = FIXTURES / "anthropic_usage_v3.csv"
    assert cli(env, *usage, str(first)).returncode == 0
    before, totals = await embedded(data)

    bad = tmp_path / "bad.csv"
    bad.write_text(
        (FIXTURES / "anthropic_usage_v2.csv").read_text().replace(",400,", ",400.5,"),
        encoding="utf-8",
    )
    refused = cli(env, *usage, str(FIXTURES / "anthropic_usage_v1.csv"), str(bad))
    assert refused.returncode == 2
    assert "bad.csv: row 3, column usage_output_tokens: '400.5' is not a whole number" in (
        refused.stderr
    )
    after, totals_after = await embedded(data)
    assert after == before and totals_after == totals
    assert totals["anthropic-usage"] == file_totals("anthropic", "usage", [first])


@pytest.mark.postgres
async def test_cli_stores_the_given_organization(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = cli_env(data, USAGE_OPENAI_ORGANIZATION_ID="from-env")
    base = ["import-csv", "--provider", "openai", "--kind", "cost"]
    assert cli(env, *base, str(FIXTURES / "openai_cost_v1.csv")).returncode == 0
    flag = cli(env, *base, "--organization-id", "acme", str(FIXTURES / "openai_cost_v2.csv"))
    assert flag.returncode == 0, flag.stderr
    rows, _ = await embedded(data)
    assert sorted({r["organization_id"] for r in rows}) == ["acme", "from-env"]


# --- the pipeline on real Kafka ---------------------------------------------------------------


def kafka_settings(kafka: str, db: str, suffix: str) -> Settings:
    return Settings(
        kafka_bootstrap_servers=kafka,
        database_url=db,
        topic_raw=f"raw-{suffix}",
        topic_events=f"events-{suffix}",
        topic_dlq=f"dlq-{suffix}",
        kafka_group_prefix=f"e2e-{suffix}",
        writer_batch_timeout_ms=100,
    )


@pytest.mark.parametrize(("provider", "kind", "fixture"), KINDS, ids=KIND_IDS)
async def test_kafka_import_is_exact_and_a_second_import_changes_nothing(
    tmp_path: Path,
    kafka_bootstrap: str,
    database_url: str,
    unique_suffix: str,
    provider: str,
    kind: str,
    fixture: str,
) -> None:
    settings = kafka_settings(kafka_bootstrap, database_url, unique_suffix)
    files = export_files(tmp_path, provider, kind, fixture)
    args = ImportArgs(
        provider,  # type: ignore[arg-type]
        kind,  # type: ignore[arg-type]
        files,
        organization_id="acme",
        chunk_rows=5,
    )
    expected = file_totals(provider, kind, files)
    lines: list[str] = []

    first = await run_import(settings, args, say=lines.append, progress=lines.append)
    assert not first.failed, [*lines, *first.lines(), *first.dead_letter_reasons]
    assert any("transport: Kafka" in line for line in lines)
    assert sum(len(f.chunks) for f in first.files) > len(files)  # several messages per file
    assert first.tally.events[provider] == first.events == expected["rows"]
    assert first.tally.rows[provider]["inserted"] == expected["rows"]
    assert await db_totals(database_url, provider, kind) == expected
    rows = await snapshot(database_url)
    assert {r["organization_id"] for r in rows} == {"acme"}

    second = await run_import(settings, args, say=lines.append)
    assert not second.failed
    counts = second.tally.rows[provider]
    assert (counts["inserted"], counts["updated"]) == (0, 0)
    assert counts["unchanged"] == expected["rows"]
    assert await snapshot(database_url) == rows
