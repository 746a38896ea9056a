"""Anthropic Console exports (Usage page and Cost page) -> canonical events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from usage_common import BucketWidth, CostEvent, InvalidPayloadError, UsageEvent, bucket_delta

from ._cells import Row
from ._model_names import model_id
from ._rows import FileContext, Mapped, name_or_id

__all__ = [
    "DEFAULT_WORKSPACE",
    "TOKEN_TYPES",
    "file_bucket_width",
    "map_cost_row",
    "map_usage_row",
]

DEFAULT_WORKSPACE = "Default"
"""How the console names the default workspace, which the API reports as null."""

TOKEN_TYPES: Mapping[str, str] = {
    "input_no_cache": "uncached_input_tokens",
    "input_cache_read": "cache_read_input_tokens",
    "input_cache_write_5m": "cache_creation.ephemeral_5m_input_tokens",
    "input_cache_write_1h": "cache_creation.ephemeral_1h_input_tokens",
    "output": "output_tokens",
}
"""Cost CSV token_type -> the cost API's token_type."""

_COST_TYPES: Mapping[str, str] = {"token": "tokens"}
"""Cost CSV cost_type -> the cost API's cost_type, where they differ."""


def file_bucket_width(rows: Sequence[Row], given: BucketWidth | None) -> BucketWidth | None:
    """The width of the file's buckets, from its `usage_date_utc` cells.

    Daily exports write dates (`2026-08-05`), hourly ones timestamps
    (`2026-03-31 02:00`): dates -> 1d; timestamps all on the hour -> 1h; else 1m. A chunk
    of a file cannot tell 1h from 1m alone, so the importer passes the file's width as
    `given`, and every cell is then checked against it. None when there are no rows.
    """
    if not rows:
        return given
    parsed = [(row, *row.instant("usage_date_utc")) for row in rows]
    dates = {is_date for _, _, is_date in parsed}
    if len(dates) > 1:
        first_date = next(r for r, _, d in parsed if d)
        first_time = next(r for r, _, d in parsed if not d)
        raise InvalidPayloadError(
            f"column usage_date_utc mixes dates (row {first_date.number}) and timestamps"
            f" (row {first_time.number}); one file has one bucket width"
        )
    if dates == {True}:
        width: BucketWidth = "1d"
    elif given is not None:
        width = given
    elif all(ts.minute == 0 for _, ts, _ in parsed):
        width = "1h"
    else:
        width = "1m"
    if given is not None and given != width:
        raise InvalidPayloadError(f"the page says {given} buckets but its rows are {width}")
    for row, ts, _ in parsed:
        whole = ts.replace(second=0, microsecond=0)
        if width == "1h":
            whole = whole.replace(minute=0)
        if ts != whole:
            row.fail("usage_date_utc", f"{ts.isoformat()} is not the start of a {width} bucket")
    return width


def _window(row: Row, ctx: FileContext) -> tuple[datetime, datetime]:
    start, _ = row.instant("usage_date_utc")
    return start, start + bucket_delta(_width(ctx))


def _workspace(row: Row, dims: dict[str, str]) -> tuple[str | None, bool]:
    name = row.text("workspace")
    if name is None or name == DEFAULT_WORKSPACE:
        return None, False  # the default workspace: null in the API
    dims["workspace_name"] = name
    return name, True


def _common(row: Row) -> tuple[dict[str, str], str | None, str | None, bool]:
    """dimensions, project_id, api_key_id and whether either is a name."""
    dims: dict[str, str] = {}
    project_id, ws_by_name = _workspace(row, dims)
    api_key_id, key_by_name = name_or_id(row, "api_key_id", "api_key", dims, "api_key_name")
    speed = row.text("speed")
    if speed is not None:
        dims["speed"] = speed
    return dims, project_id, api_key_id, ws_by_name or key_by_name


def _width(ctx: FileContext) -> BucketWidth:
    return ctx.bucket_width or "1d"


def map_usage_row(row: Row, ctx: FileContext) -> Mapped:
    start, end = _window(row, ctx)
    dims, project_id, api_key_id, by_name = _common(row)
    uncached = row.required_count("usage_input_tokens_no_cache")
    read = row.required_count("usage_input_tokens_cache_read")
    if row.has("usage_input_tokens_cache_write"):
        # The oldest header does not split writes by TTL: the write stays unsplit.
        write = row.required_count("usage_input_tokens_cache_write")
        write_5m = write_1h = 0
    else:
        write_5m = row.required_count("usage_input_tokens_cache_write_5m")
        write_1h = row.required_count("usage_input_tokens_cache_write_1h")
        write = write_5m + write_1h
    event = UsageEvent(
        provider="anthropic",
        organization_id=ctx.organization_id,
        source="console_csv",
        usage_type="messages",
        bucket_width=_width(ctx),
        window_start=start,
        window_end=end,
        project_id=project_id,
        api_key_id=api_key_id,
        model=model_id(row.required_text("model_version")),
        service_tier=row.text("usage_type"),  # `standard`, `batch`: the tier
        context_window=row.context_window("context_window"),
        inference_geo=row.text("inference_geo"),
        dimensions=dims,
        input_tokens=uncached + read + write,
        input_uncached_tokens=uncached,
        input_cache_read_tokens=read,
        input_cache_write_tokens=write,
        input_cache_write_5m_tokens=write_5m,
        input_cache_write_1h_tokens=write_1h,
        output_tokens=row.required_count("usage_output_tokens"),
        requests=None,  # Anthropic reports no request count: null, not 0
        web_search_requests=row.count("web_search_count", required=False),
        fetched_at=ctx.fetched_at,
    )
    return Mapped(event, by_name)


def map_cost_row(row: Row, ctx: FileContext) -> Mapped:
    start, end = _window(row, ctx)
    dims, project_id, api_key_id, by_name = _common(row)
    usage_type = row.text("usage_type")
    if usage_type is not None:
        # `message` in every sample; kept so rows that differ only here never collide.
        dims["usage_type"] = usage_type
    token_type = row.text("token_type")
    if token_type is not None:
        mapped = TOKEN_TYPES.get(token_type)
        if mapped is None:
            if token_type not in TOKEN_TYPES.values():
                known = ", ".join(TOKEN_TYPES)
                row.fail("token_type", f"{token_type!r} is not a known token type ({known})")
            mapped = token_type  # already the API's name
        token_type = mapped
    if row.has("cost_type"):
        cost_type = row.text("cost_type")
        cost_type = _COST_TYPES.get(cost_type, cost_type) if cost_type else None
    else:
        # The oldest header has no cost_type; the API sets token_type only on token costs.
        cost_type = "tokens" if token_type is not None else None
    amount_text = row.required_text("cost_usd")
    amount = row.decimal("cost_usd")
    assert amount is not None
    event = CostEvent(
        provider="anthropic",
        organization_id=ctx.organization_id,
        source="console_csv",
        bucket_width=_width(ctx),
        window_start=start,
        window_end=end,
        project_id=project_id,
        api_key_id=api_key_id,
        line_item=None,  # the CSV has no description
        model=model_id(row.text("model")),
        cost_type=cost_type,
        token_type=token_type,
        service_tier=None,
        context_window=row.context_window("context_window"),
        inference_geo=row.text("inference_geo"),
        dimensions=dims,
        cost_usd=amount,  # dollars in the CSV (the API says cents)
        amount_reported=amount_text,
        list_price_usd=row.decimal("list_price_usd", required=False),
        fetched_at=ctx.fetched_at,
    )
    return Mapped(event, by_name)
