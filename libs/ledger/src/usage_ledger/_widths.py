"""The refusal report and reconcile share: one usage stored at several bucket widths."""

from __future__ import annotations

from typing import Any

import asyncpg

from usage_common import ConfigError

__all__ = ["refuse_mixed_widths"]


async def refuse_mixed_widths(conn: asyncpg.Connection, where: str, args: list[Any]) -> None:
    """The same usage at two bucket widths would be counted twice: refuse to guess."""
    mixed = await conn.fetch(
        "SELECT provider, usage_type, array_agg(DISTINCT bucket_width ORDER BY bucket_width)"
        f" AS widths FROM usage_events{where} GROUP BY provider, usage_type"
        " HAVING count(DISTINCT bucket_width) > 1",
        *args,
    )
    if mixed:
        what = "; ".join(
            f"{r['provider']} {r['usage_type']}: {', '.join(r['widths'])}" for r in mixed
        )
        raise ConfigError(
            f"the selection holds several bucket widths ({what}); summing them would count"
            " usage twice. Pass --bucket-width 1m|1h|1d."
        )
