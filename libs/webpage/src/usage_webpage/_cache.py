"""The cache partition section: input tokens by cache tier per provider (`report --by
provider`).

Definitions used here and nowhere else:
- cache hit ratio = cache read tokens / input tokens (input is uncached + cache read +
  cache write, so this is the share of input served from the cache);
- cache write without a TTL = cache write - 5m - 1h (providers that do not split it).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ._data import PageData
from ._format import count_cell, data, esc, token_text
from ._svg import Chart, Series, figure, shares
from ._table import Column, table

__all__ = ["cache_section"]


_PARTS: tuple[tuple[str, str], ...] = (
    ("Uncached", "input_uncached_tokens"),
    ("Cache read", "input_cache_read_tokens"),
    ("Cache write 5m", "input_cache_write_5m_tokens"),
    ("Cache write 1h", "input_cache_write_1h_tokens"),
)


def _unsplit(row: dict[str, Any]) -> int:
    split: int = row["input_cache_write_5m_tokens"] + row["input_cache_write_1h_tokens"]
    written: int = row["input_cache_write_tokens"]
    return written - split


def _hit_ratio(row: dict[str, Any]) -> str:
    if not row["input_tokens"]:
        return data(None, "-")
    ratio = Decimal(row["input_cache_read_tokens"]) / Decimal(row["input_tokens"])
    return data(ratio, f"{ratio * 100:.1f}%")


def cache_section(page: PageData) -> str:
    rows_in = page.by_provider
    series = (
        *(Series(label, tuple(r[column] for r in rows_in)) for label, column in _PARTS),
        Series("Cache write, TTL not split", tuple(_unsplit(r) for r in rows_in)),
    )
    chart = Chart(
        "chart-cache",
        "Input tokens by cache tier, by provider",
        "One bar per provider split into shares of its input tokens: uncached, cache read,"
        " cache write with a 5 minute and a 1 hour TTL, and cache write whose TTL the"
        " provider did not split.",
        tuple(r["provider"] for r in rows_in),
        series,
        token_text,
        "table-cache",
    )
    rows = (
        [
            esc(r["provider"]),
            count_cell(r["input_tokens"]),
            *(count_cell(r[c]) for _, c in _PARTS),
            count_cell(_unsplit(r)),
            _hit_ratio(r),
        ]
        for r in rows_in
    )
    return "".join(
        [
            '<section id="cache" aria-labelledby="cache-h"><h2 id="cache-h">Cache partition</h2>',
            "<p>Input tokens = uncached + cache read + cache write. Hit ratio = cache read"
            " / input.</p>",
            figure(chart, shares(chart)),
            table(
                "table-cache",
                "Input tokens by cache tier per provider (report --by provider)",
                [
                    Column("Provider"),
                    Column("Input", numeric=True),
                    *(Column(label, numeric=True) for label, _ in _PARTS),
                    Column("Cache write, TTL not split", numeric=True),
                    Column("Cache hit ratio", numeric=True),
                ],
                rows,
            ),
            "</section>",
        ]
    )
