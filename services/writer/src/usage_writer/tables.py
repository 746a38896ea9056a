"""Table specs: which columns each canonical record kind writes, and how they compare.

One generic guarded upsert (storage.py) serves every table; a spec says what is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from usage_common import ClaudeCodeEvent, CostEvent, UsageEvent, dedupe_key

__all__ = ["CLAUDE_CODE", "COSTS", "TABLES", "USAGE", "Event", "TableSpec"]

Event = UsageEvent | CostEvent | ClaudeCodeEvent


@dataclass(frozen=True)
class TableSpec:
    """`columns` are (name, PostgreSQL type) in unnest() order; `key` is the conflict
    target; `partition_column`, when set, names the monthly range-partition column;
    `time_column` is the start of the period a row covers (what purge selects on)."""

    kind: str
    table: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    partition_column: str | None = None
    time_column: str = "window_start"

    @property
    def compared(self) -> list[str]:
        # A replay that differs only in fetched_at changes nothing, so it writes nothing.
        return [c for c, _ in self.columns if c not in self.key and c != "fetched_at"]

    def row(self, event: Event) -> list[Any]:
        data = event.model_dump()
        values: list[Any] = []
        for column, pg_type in self.columns:
            if column == "dedupe_key":
                values.append(dedupe_key(event))
            elif pg_type == "jsonb":
                values.append(json.dumps(data[column], sort_keys=True, default=str))
            else:
                values.append(data[column])
        return values


USAGE = TableSpec(
    kind="usage",
    table="usage_events",
    columns=(
        ("dedupe_key", "text"),
        ("provider", "text"),
        ("organization_id", "text"),
        ("source", "text"),
        ("usage_type", "text"),
        ("bucket_width", "text"),
        ("window_start", "timestamptz"),
        ("window_end", "timestamptz"),
        ("project_id", "text"),
        ("api_key_id", "text"),
        ("user_id", "text"),
        ("model", "text"),
        ("service_tier", "text"),
        ("batch", "boolean"),
        ("context_window", "text"),
        ("inference_geo", "text"),
        ("dimensions", "jsonb"),
        ("input_tokens", "bigint"),
        ("input_uncached_tokens", "bigint"),
        ("input_cache_read_tokens", "bigint"),
        ("input_cache_write_tokens", "bigint"),
        ("input_cache_write_5m_tokens", "bigint"),
        ("input_cache_write_1h_tokens", "bigint"),
        ("output_tokens", "bigint"),
        ("requests", "bigint"),
        ("web_search_requests", "bigint"),
        ("token_details", "jsonb"),
        ("units", "jsonb"),
        ("cost_usd", "numeric"),
        ("cost_source", "text"),
        ("fetched_at", "timestamptz"),
    ),
    key=("dedupe_key", "window_start"),
    partition_column="window_start",
)

COSTS = TableSpec(
    kind="cost",
    table="cost_events",
    columns=(
        ("dedupe_key", "text"),
        ("provider", "text"),
        ("organization_id", "text"),
        ("source", "text"),
        ("bucket_width", "text"),
        ("window_start", "timestamptz"),
        ("window_end", "timestamptz"),
        ("project_id", "text"),
        ("api_key_id", "text"),
        ("line_item", "text"),
        ("model", "text"),
        ("cost_type", "text"),
        ("token_type", "text"),
        ("service_tier", "text"),
        ("context_window", "text"),
        ("inference_geo", "text"),
        ("dimensions", "jsonb"),
        ("cost_usd", "numeric"),
        ("currency", "text"),
        ("amount_reported", "text"),
        ("quantity", "numeric"),
        ("quantity_unit", "text"),
        ("list_price_usd", "numeric"),
        ("fetched_at", "timestamptz"),
    ),
    key=("dedupe_key",),
)

CLAUDE_CODE = TableSpec(
    kind="claude_code",
    table="claude_code_usage",
    columns=(
        ("dedupe_key", "text"),
        ("provider", "text"),
        ("organization_id", "text"),
        ("source", "text"),
        ("day_start", "timestamptz"),
        ("actor_type", "text"),
        ("actor_id", "text"),
        ("customer_type", "text"),
        ("terminal_type", "text"),
        ("subscription_type", "text"),
        ("is_remote", "boolean"),
        ("num_sessions", "bigint"),
        ("lines_added", "bigint"),
        ("lines_removed", "bigint"),
        ("commits", "bigint"),
        ("pull_requests", "bigint"),
        ("tool_actions", "jsonb"),
        ("models", "jsonb"),
        ("fetched_at", "timestamptz"),
    ),
    key=("dedupe_key",),
    time_column="day_start",
)

TABLES: dict[str, TableSpec] = {"usage": USAGE, "cost": COSTS, "claude_code": CLAUDE_CODE}
