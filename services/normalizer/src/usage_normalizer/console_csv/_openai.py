"""OpenAI dashboard exports (completions usage and costs) -> canonical events.

The columns are the API's fields plus the bucket bounds, so the mapping is the API's
(`mapping.map_openai_completions`): input_tokens includes cached and cache-write tokens,
the uncached part is `input_uncached_tokens` or the remainder, and the per-modality
columns are kept as reported, never added into totals. One difference: a file without
`input_cache_write_tokens` (the 2025-10 header) but with `input_uncached_tokens` (which
excludes cache writes) gets the remainder input - cached - uncached as its cache write,
because that is what the remainder is; the API mapper refuses such a result instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from usage_common import BucketWidth, CostEvent, UsageEvent
from usage_normalizer.payloads import MODALITY_FIELDS

from ._cells import Row, parse_instant_cell
from ._formats import OPENAI_TIME_COLUMNS
from ._rows import FileContext, Mapped, name_or_id

__all__ = ["map_cost_row", "map_usage_row"]

_WIDTHS: Mapping[int, BucketWidth] = {60: "1m", 3600: "1h", 86400: "1d"}


def _is_empty_bucket(row: Row) -> bool:
    """A bucket without usage is written as a row with only its time columns filled."""
    return all(row.text(c) is None for c in row.cells if c not in OPENAI_TIME_COLUMNS)


def _window(row: Row, ctx: FileContext) -> tuple[datetime, datetime, BucketWidth]:
    start = row.epoch("start_time")
    end = row.epoch("end_time")
    for column, value in (("start_time_iso", start), ("end_time_iso", end)):
        text = row.text(column)
        if text is None:
            continue
        try:
            iso, _ = parse_instant_cell(text)
        except ValueError:
            row.fail(column, f"{text!r} is not an ISO 8601 timestamp")
        if iso != value:
            epoch_column = column.removesuffix("_iso")
            row.fail(column, f"{text!r} disagrees with {epoch_column} ({value.isoformat()})")
    seconds = int((end - start).total_seconds())
    width = _WIDTHS.get(seconds)
    if width is None:
        row.fail("end_time", f"a bucket of {seconds} s is not 1 minute, 1 hour or 1 day long")
    if ctx.bucket_width is not None and width != ctx.bucket_width:
        row.fail("end_time", f"a {width} bucket in a file of {ctx.bucket_width} buckets")
    return start, end, width


def map_usage_row(row: Row, ctx: FileContext) -> Mapped | None:
    start, end, width = _window(row, ctx)
    if _is_empty_bucket(row):
        return None
    total = row.required_count("input_tokens")
    cached = row.count("input_cached_tokens", required=False) or 0
    write = row.count("input_cache_write_tokens", required=False)
    uncached = row.count("input_uncached_tokens", required=False)
    if write is None and uncached is not None:
        # Exports before input_cache_write_tokens: uncached excludes cache writes and
        # input_tokens includes them, so the remainder is what was written to the cache.
        write = total - cached - uncached
        if write < 0:
            row.fail(
                "input_tokens",
                f"{total} is less than input_cached_tokens {cached}"
                f" + input_uncached_tokens {uncached}",
            )
    write = write or 0
    if uncached is None:
        uncached = total - cached - write
    if uncached < 0 or cached + write + uncached != total:
        row.fail(
            "input_tokens",
            f"{total} != input_cached_tokens {cached} + input_cache_write_tokens {write}"
            f" + input_uncached_tokens {uncached}",
        )
    details = {f: v for f in MODALITY_FIELDS if (v := row.count(f, required=False)) is not None}
    event = UsageEvent(
        provider="openai",
        organization_id=ctx.organization_id,
        source="console_csv",
        usage_type="completions",
        bucket_width=width,
        window_start=start,
        window_end=end,
        project_id=row.text("project_id"),
        api_key_id=row.text("api_key_id"),
        user_id=row.text("user_id"),
        model=row.text("model"),
        service_tier=row.text("service_tier"),
        batch=row.boolean("batch"),
        input_tokens=total,
        input_uncached_tokens=uncached,
        input_cache_read_tokens=cached,
        input_cache_write_tokens=write,
        # OpenAI does not split cache writes by TTL: the write stays unsplit.
        input_cache_write_5m_tokens=0,
        input_cache_write_1h_tokens=0,
        output_tokens=row.required_count("output_tokens"),
        requests=row.required_count("num_model_requests"),
        web_search_requests=None,
        token_details=details,
        fetched_at=ctx.fetched_at,
    )
    return Mapped(event, by_name=False)


def map_cost_row(row: Row, ctx: FileContext) -> Mapped | None:
    start, end, width = _window(row, ctx)
    if _is_empty_bucket(row):
        return None
    amount_text = row.required_text("amount_value")
    amount = row.decimal("amount_value")
    assert amount is not None
    if row.has("amount_currency"):
        currency = row.required_text("amount_currency")
        if currency.lower() != "usd":
            row.fail("amount_currency", f"{currency!r}: only USD amounts are supported")
    dims: dict[str, str] = {}
    project_id, project_by_name = name_or_id(
        row, "project_id", "project_name", dims, "project_name"
    )
    # CostEvent has no user field: the user is a dimension of the cost line.
    user_id = row.text("user_id")
    if user_id is not None:
        dims["user_id"] = user_id
    elif (email := row.text("user_email")) is not None:
        dims["user_email"] = email
    api_source = row.text("api_source")
    if api_source is not None:
        dims["api_source"] = api_source
    # organization_id / organization_name are not read: the tenant is the caller's
    # organization_id, as for API pages.
    event = CostEvent(
        provider="openai",
        organization_id=ctx.organization_id,
        source="console_csv",
        bucket_width=width,
        window_start=start,
        window_end=end,
        project_id=project_id,
        api_key_id=row.text("api_key_id"),
        line_item=row.text("line_item"),
        dimensions=dims,
        cost_usd=amount,
        amount_reported=amount_text,
        quantity=row.decimal("quantity", required=False),
        quantity_unit=row.text("quantity_unit"),
        fetched_at=ctx.fetched_at,
    )
    return Mapped(event, by_name=project_by_name)
