"""Purge on a real PostgreSQL: exactly the selection goes, in one transaction, or nothing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from usage_common import ClaudeCodeEvent, ConfigError, CostEvent, Settings
from usage_schema import apply_migrations
from usage_writer import PostgresStorage, PurgePlan, Purger, PurgeSelection, run_purge

from .test_storage_postgres import event

pytestmark = pytest.mark.postgres

DAY = timedelta(days=1)
DAY1 = datetime(2025, 11, 1, tzinfo=UTC)
DAY2 = DAY1 + DAY
DAY3 = DAY2 + DAY


def cost(provider: str, org: str, source: str, day: datetime) -> CostEvent:
    return CostEvent(
        provider=provider,  # type: ignore[arg-type]
        organization_id=org,
        source=source,  # type: ignore[arg-type]
        bucket_width="1d",
        window_start=day,
        window_end=day + timedelta(days=1),
        line_item="input tokens",
        cost_usd=Decimal("1.25"),
        amount_reported="125",
        fetched_at=DAY3,
    )


def code(org: str, day: datetime) -> ClaudeCodeEvent:
    return ClaudeCodeEvent(
        organization_id=org,
        source="admin_api",
        day_start=day,
        actor_type="user_actor",
        actor_id="dev@example.com",
        num_sessions=1,
        fetched_at=DAY3,
    )


def usage(provider: str, org: str, source: str, start: datetime) -> Any:
    return event(
        provider=provider,
        organization_id=org,
        source=source,
        usage_type="messages" if provider == "anthropic" else "completions",
        window_start=start,
        window_end=start + timedelta(hours=1),
        fetched_at=DAY3,
    )


async def counts(url: str) -> Counter[tuple[str, str, str, str, str]]:
    """Rows per (table, provider, organization, source, day)."""
    conn = await asyncpg.connect(url)
    found: Counter[tuple[str, str, str, str, str]] = Counter()
    try:
        for table, column in (
            ("usage_events", "window_start"),
            ("cost_events", "window_start"),
            ("claude_code_usage", "day_start"),
        ):
            for r in await conn.fetch(
                f"SELECT provider, organization_id, source, {column}::date::text AS day,"
                f" count(*) AS n FROM {table} GROUP BY 1, 2, 3, 4"
            ):
                key = (table, r["provider"], r["organization_id"], r["source"], r["day"])
                found[key] = r["n"]
    finally:
        await conn.close()
    return found


@pytest.fixture
async def stored(database_url: str) -> Any:
    """Two providers x two orgs x two sources x two days, in every table."""
    await apply_migrations(database_url)
    storage = await PostgresStorage.connect(database_url)
    events: list[Any] = []
    for provider in ("anthropic", "openai"):
        for org in ("org-a", "org-b"):
            for source in ("admin_api", "console_csv"):
                for day in (DAY1, DAY2):
                    events += [
                        usage(provider, org, source, day + timedelta(hours=h)) for h in (0, 23)
                    ]
                    events.append(cost(provider, org, source, day))
    events += [code(org, day) for org in ("org-a", "org-b") for day in (DAY1, DAY2)]
    await storage.upsert(events)
    await storage.close()
    purger = await Purger.connect(database_url)
    yield purger
    await purger.close()


async def yes(plan: PurgePlan) -> bool:
    return True


async def test_purge_deletes_exactly_the_selection(stored: Purger, database_url: str) -> None:
    before = await counts(database_url)
    selection = PurgeSelection("anthropic", DAY1, DAY2, ("admin_api",), "org-a")
    asked: list[PurgePlan] = []

    async def confirm(plan: PurgePlan) -> bool:
        asked.append(plan)
        return True

    result = await run_purge(stored, selection, confirm)
    expected = {"usage_events": 2, "cost_events": 1, "claude_code_usage": 1}
    assert [p.rows for p in asked] == [expected]
    assert result.confirmed and result.deleted == expected and not result.drifted

    gone = {k for k in before if k[1:] == ("anthropic", "org-a", "admin_api", "2025-11-01")}
    assert len(gone) == 3
    assert await counts(database_url) == Counter({k: n for k, n in before.items() if k not in gone})


async def test_default_selection_is_both_sources_and_every_organization(
    stored: Purger, database_url: str
) -> None:
    before = await counts(database_url)
    result = await run_purge(stored, PurgeSelection("openai", DAY2, DAY3), yes)
    assert result.deleted == {"usage_events": 8, "cost_events": 4, "claude_code_usage": 0}
    after = await counts(database_url)
    assert after == Counter(
        {k: n for k, n in before.items() if not (k[1] == "openai" and k[4] == "2025-11-02")}
    )


async def test_declined_or_empty_selection_deletes_nothing(
    stored: Purger, database_url: str
) -> None:
    before = await counts(database_url)

    async def no(plan: PurgePlan) -> bool:
        return False

    declined = await run_purge(stored, PurgeSelection("anthropic", DAY1, DAY3), no)
    assert not declined.confirmed
    assert declined.plan.rows == {"usage_events": 16, "cost_events": 8, "claude_code_usage": 4}
    assert declined.deleted == {}

    async def never(plan: PurgePlan) -> bool:
        raise AssertionError("nothing selected: must not ask")

    later = datetime(2026, 1, 1, tzinfo=UTC)
    empty = await run_purge(stored, PurgeSelection("anthropic", later, later + DAY), never)
    assert empty.plan.total == 0 and not empty.confirmed
    assert await counts(database_url) == before


async def test_rows_a_writer_adds_meanwhile_are_deleted_and_reported(
    stored: Purger, database_url: str
) -> None:
    selection = PurgeSelection("openai", DAY1, DAY2, ("admin_api",), "org-b")

    async def concurrent_writer(plan: PurgePlan) -> bool:
        storage = await PostgresStorage.connect(database_url)
        await storage.upsert([usage("openai", "org-b", "admin_api", DAY1 + timedelta(hours=5))])
        await storage.close()
        return True

    result = await run_purge(stored, selection, concurrent_writer)
    assert result.plan.rows["usage_events"] == 2
    assert result.deleted["usage_events"] == 3
    assert result.drifted == {"usage_events": (2, 3)}
    remaining = await counts(database_url)
    assert not [k for k in remaining if k[1:] == ("openai", "org-b", "admin_api", "2025-11-01")]


def test_a_selection_must_be_a_forward_window_of_known_values() -> None:
    with pytest.raises(ConfigError, match="not before"):
        PurgeSelection("openai", DAY2, DAY1)
    with pytest.raises(ConfigError, match="not before"):
        PurgeSelection("openai", DAY1, DAY1)
    with pytest.raises(ConfigError, match="unknown provider"):
        PurgeSelection("gemini", DAY1, DAY2)
    with pytest.raises(ConfigError, match="unknown source"):
        PurgeSelection("openai", DAY1, DAY2, ("web",))


async def test_credential_names_stand_for_their_organization(stored: Purger) -> None:
    settings = Settings(anthropic_organization_id="org-a", openai_organization_id="org-b")
    assert await stored.credential_organization(settings, "anthropic", "env:anthropic") == "org-a"
    assert await stored.credential_organization(settings, "openai", "env:openai") == "org-b"
    with pytest.raises(ConfigError, match="is an openai credential, not anthropic"):
        await stored.credential_organization(settings, "anthropic", "env:openai")
    with pytest.raises(ConfigError, match="unknown credential 'prod'"):
        await stored.credential_organization(settings, "anthropic", "prod")

    # The credential store (migration 0005): looked up by name. Only the columns purge
    # reads matter here; the ciphertext is a placeholder, never decrypted.
    await stored.conn.execute(
        "INSERT INTO provider_credentials (name, provider, organization_id, ciphertext,"
        " key_id, key_hint) VALUES ('prod', 'anthropic', 'org-b', '\\x00', 'k', '…0000')"
    )
    assert await stored.credential_organization(settings, "anthropic", "prod") == "org-b"
    with pytest.raises(ConfigError, match="unknown credential 'staging'"):
        await stored.credential_organization(settings, "anthropic", "staging")
