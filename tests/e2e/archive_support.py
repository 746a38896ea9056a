"""Helpers for the replay and dead-letter tests: what the tables hold, and a good page."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from usage_common import DeadLetter, RawPage, encode

TABLES = ("usage_events", "cost_events", "claude_code_usage")
GOLDEN = Path(__file__).parent.parent / "contract" / "golden"


async def contents(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every stored row of every record table, without the bookkeeping timestamps."""
    conn = await asyncpg.connect(url)
    try:
        out = {}
        for table in TABLES:
            rows = await conn.fetch(f"SELECT * FROM {table} ORDER BY dedupe_key")
            out[table] = [
                {k: v for k, v in r.items() if k not in ("inserted_at", "updated_at")} for r in rows
            ]
        return out
    finally:
        await conn.close()


async def execute(url: str, sql: str, *args: object) -> str:
    conn = await asyncpg.connect(url)
    try:
        return str(await conn.execute(sql, *args))
    finally:
        await conn.close()


async def fetchval(url: str, sql: str, *args: object) -> Any:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


def golden_page(fetched_at: datetime) -> RawPage:
    """The saved OpenAI completions page, as the fetcher would have published it."""
    return RawPage(
        page_id=uuid.uuid4().hex,
        provider="openai",
        organization_id="org-golden",
        credential_id="test",
        endpoint="completions",
        request_path="/organization/usage/completions",
        request_params=[("start_time", "0"), ("end_time", "1")],
        bucket_width="1d",
        page_number=1,
        fetched_at=fetched_at,
        http_status=200,
        body=(GOLDEN / "openai" / "completions.json").read_text(),
    )


def letter_from_an_older_normalizer(page: RawPage, raw_topic: str) -> DeadLetter:
    """The dead letter a normalizer without this endpoint's mapping published: the page is
    fine, the code was not. Redriving it through the current normalizer is the fix."""
    return DeadLetter(
        stage="normalizer",
        reason="no mapping for openai endpoint 'completions'",
        provider=page.provider,
        endpoint=page.endpoint,
        page_id=page.page_id,
        source_topic=raw_topic,
        original_b64=base64.b64encode(encode(page)).decode(),
        failed_at=datetime(2025, 11, 5, tzinfo=UTC),
    )
