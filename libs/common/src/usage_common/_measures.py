"""The measure columns of `UsageEvent`, named once.

Every reader and writer of token counts (the normalizer's mapping, the console CSV reader,
report, reconcile, the tests) takes its list of columns from here, so a new measure is
added in one place and the model test checks the lists against the model's fields.

- `TOKEN_MEASURES`: the token counts, never null (0 when none). They are NOT all additive:
  `input_tokens` is the sum of uncached + cache read + cache write, and
  `CACHE_WRITE_TTL_MEASURES` split the cache write by TTL (partly: the rest is unsplit).
  Summing one column over rows is exact; adding columns together is not.
- `REQUEST_MEASURES`: request counts, null where the provider reports none.
- `USAGE_MEASURES`: every measure a report sums, tokens first, in display order.
"""

from __future__ import annotations

__all__ = ["CACHE_WRITE_TTL_MEASURES", "REQUEST_MEASURES", "TOKEN_MEASURES", "USAGE_MEASURES"]

CACHE_WRITE_TTL_MEASURES: tuple[str, ...] = (
    "input_cache_write_5m_tokens",
    "input_cache_write_1h_tokens",
)

TOKEN_MEASURES: tuple[str, ...] = (
    "input_tokens",
    "input_uncached_tokens",
    "input_cache_read_tokens",
    "input_cache_write_tokens",
    *CACHE_WRITE_TTL_MEASURES,
    "output_tokens",
)

REQUEST_MEASURES: tuple[str, ...] = ("requests", "web_search_requests")

USAGE_MEASURES: tuple[str, ...] = (*TOKEN_MEASURES, *REQUEST_MEASURES)
