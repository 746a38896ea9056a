"""Console CSV exports, consistent with what the APIs serve for the same window.

`console_csv(provider, kind, since, until, seed, version=...)` writes the file the
provider's console would export for usage stamped in [since, until), in one of the
header versions of provider-apis.md §3 (`CSV_VERSIONS`):

- Anthropic usage (Usage page): one row per UTC day x model x key x workspace x tier
  (x context window x geo x speed where the version has them). `latest` has
  `context_window`, `inference_geo` and `speed`; `2025-06` has none of them; `legacy`
  also folds the two cache-write columns into `usage_input_tokens_cache_write`.
- Anthropic cost (Cost page): one row per day x model x workspace x key x token type
  (x the version's other columns). `cost_usd` and `list_price_usd` are dollars (the
  API says cents), `model` is a display name, `cost_type` is `token`/`web_search`/
  `code_execution`. Versions: `latest` (+ api_key_id, api_key_status), `list-price`
  (+ list_price_usd, inference_geo, speed), `context-window` (+ context_window,
  cost_type) and `2024-12`.
- OpenAI usage (completions export): one row per daily bucket x project x user x key x
  model x batch x tier, numbers as floats (`10.0`), `TRUE`/`FALSE`, ISO times with
  `+00:00`; a bucket without usage is a row with only the four time columns, and an
  export without any usage has only those four columns. `latest` adds
  `input_cache_write_tokens` at the end of the `2025-10` header.
- OpenAI cost: one row per daily bucket x line item x project (`2025-10`), also x key
  x user in `latest`; `amount_value` has 16 decimal places.

Names replace ids where the console shows names: Anthropic keys and workspaces
(`Default` for the default workspace, an empty `api_key` for usage without a key),
Anthropic model display names in the cost export; context windows are written
`≤ 200k` and `> 200k`; `speed` is `fast` for fast mode and empty otherwise.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from .buckets import snap
from .catalogue import (
    ANTHROPIC_API_KEYS,
    ANTHROPIC_WORKSPACES,
    DEFAULT_WORKSPACE_NAME,
    OPENAI_DIMENSIONS,
    OPENAI_PROJECTS,
    OPENAI_USERS,
    ORGANIZATION,
    ApiKey,
    Dimension,
    Provider,
)
from .costs import CostLine, cost_lines
from .data import generate, metric_names, utc
from .exact_json import decimal_text

__all__ = ["CSV_HEADERS", "CSV_VERSIONS", "CsvKind", "console_csv"]

CsvKind = Literal["usage", "cost"]

_ANTHROPIC_USAGE_LATEST = (
    "usage_date_utc",
    "model_version",
    "api_key",
    "workspace",
    "usage_type",
    "context_window",
    "usage_input_tokens_no_cache",
    "usage_input_tokens_cache_write_5m",
    "usage_input_tokens_cache_write_1h",
    "usage_input_tokens_cache_read",
    "usage_output_tokens",
    "web_search_count",
    "inference_geo",
    "speed",
)
_ANTHROPIC_USAGE_2025_06 = tuple(
    c for c in _ANTHROPIC_USAGE_LATEST if c not in ("context_window", "inference_geo", "speed")
)
_ANTHROPIC_USAGE_LEGACY = tuple(
    "usage_input_tokens_cache_write" if c.endswith("_5m") else c
    for c in _ANTHROPIC_USAGE_2025_06
    if not c.endswith("_1h")
)
_ANTHROPIC_COST_2024_12 = (
    "usage_date_utc",
    "model",
    "workspace",
    "api_key",
    "usage_type",
    "token_type",
    "cost_usd",
)
_ANTHROPIC_COST_CONTEXT_WINDOW = (
    "usage_date_utc",
    "model",
    "workspace",
    "api_key",
    "usage_type",
    "context_window",
    "token_type",
    "cost_usd",
    "cost_type",
)
_ANTHROPIC_COST_LIST_PRICE = (
    "usage_date_utc",
    "model",
    "workspace",
    "api_key",
    "usage_type",
    "context_window",
    "token_type",
    "cost_usd",
    "list_price_usd",
    "cost_type",
    "inference_geo",
    "speed",
)
_OPENAI_TIME = ("start_time", "end_time", "start_time_iso", "end_time_iso")
_OPENAI_USAGE_2025_10 = (
    *_OPENAI_TIME,
    "project_id",
    "num_model_requests",
    "user_id",
    "api_key_id",
    "model",
    "batch",
    "service_tier",
    "input_tokens",
    "output_tokens",
    "input_cached_tokens",
    "input_uncached_tokens",
    "input_text_tokens",
    "output_text_tokens",
    "input_cached_text_tokens",
    "input_audio_tokens",
    "input_cached_audio_tokens",
    "output_audio_tokens",
    "input_image_tokens",
    "input_cached_image_tokens",
    "output_image_tokens",
)
_OPENAI_COST_2025_10 = (
    *_OPENAI_TIME,
    "amount_value",
    "amount_currency",
    "line_item",
    "project_id",
    "organization_id",
    "organization_name",
)

CSV_HEADERS: Mapping[tuple[str, str, str], tuple[str, ...]] = MappingProxyType(
    {
        ("anthropic", "usage", "latest"): _ANTHROPIC_USAGE_LATEST,
        ("anthropic", "usage", "2025-06"): _ANTHROPIC_USAGE_2025_06,
        ("anthropic", "usage", "legacy"): _ANTHROPIC_USAGE_LEGACY,
        ("anthropic", "cost", "latest"): (
            *_ANTHROPIC_COST_LIST_PRICE,
            "api_key_id",
            "api_key_status",
        ),
        ("anthropic", "cost", "list-price"): _ANTHROPIC_COST_LIST_PRICE,
        ("anthropic", "cost", "context-window"): _ANTHROPIC_COST_CONTEXT_WINDOW,
        ("anthropic", "cost", "2024-12"): _ANTHROPIC_COST_2024_12,
        ("openai", "usage", "latest"): (*_OPENAI_USAGE_2025_10, "input_cache_write_tokens"),
        ("openai", "usage", "2025-10"): _OPENAI_USAGE_2025_10,
        ("openai", "cost", "latest"): (
            *_OPENAI_COST_2025_10,
            "quantity",
            "quantity_unit",
            "user_id",
            "api_key_id",
            "project_name",
            "user_email",
            "api_source",
        ),
        ("openai", "cost", "2025-10"): _OPENAI_COST_2025_10,
    }
)
"""(provider, kind, version) -> header; the empty OpenAI export has `_OPENAI_TIME` only."""

CSV_VERSIONS: Mapping[tuple[str, str], tuple[str, ...]] = MappingProxyType(
    {
        (provider, kind): tuple(v for (p, k, v) in CSV_HEADERS if (p, k) == (provider, kind))
        for provider, kind, _ in CSV_HEADERS
    }
)
"""(provider, kind) -> header versions, newest first."""

_DAY = timedelta(days=1)
_CONTEXT_WINDOWS = {"0-200k": "≤ 200k", "200k-1M": "> 200k"}
_COST_TYPES = {"tokens": "token"}
_TOKEN_TYPES = {
    "uncached_input_tokens": "input_no_cache",
    "cache_read_input_tokens": "input_cache_read",
    "cache_creation.ephemeral_5m_input_tokens": "input_cache_write_5m",
    "cache_creation.ephemeral_1h_input_tokens": "input_cache_write_1h",
    "output_tokens": "output",
}
# Anthropic usage CSV column -> messages metrics it sums.
_ANTHROPIC_USAGE_SUMS: Mapping[str, tuple[str, ...]] = {
    "usage_input_tokens_no_cache": ("uncached_input_tokens",),
    "usage_input_tokens_cache_write_5m": ("cache_write_5m",),
    "usage_input_tokens_cache_write_1h": ("cache_write_1h",),
    "usage_input_tokens_cache_write": ("cache_write_5m", "cache_write_1h"),
    "usage_input_tokens_cache_read": ("cache_read_input_tokens",),
    "usage_output_tokens": ("output_tokens",),
    "web_search_count": ("web_search_requests",),
}

Key = tuple[str, ...]
Sums = list[Decimal]


def console_csv(
    provider: Provider,
    kind: CsvKind,
    since: datetime,
    until: datetime,
    seed: int,
    *,
    version: str = "latest",
) -> str:
    """The console export of usage stamped in [since, until), as file text.

    Usage:
        text = console_csv("anthropic", "cost", since, until, seed=42, version="2024-12")

    Raises ValueError for a version not in `CSV_VERSIONS[(provider, kind)]`.
    """
    header = CSV_HEADERS.get((provider, kind, version))
    if header is None:
        known = ", ".join(CSV_VERSIONS.get((provider, kind), ()))
        raise ValueError(f"no {provider} {kind} CSV version {version!r}; known: {known}")
    since, until = utc(since), utc(until)
    if provider == "anthropic":
        if kind == "usage":
            return _write(header, _anthropic_usage_rows(header, since, until, seed))
        return _write(header, _anthropic_cost_rows(header, since, until, seed))
    if kind == "usage":
        return _openai_usage(header, since, until, seed)
    return _openai_cost(header, since, until, seed)


def _anthropic_usage_rows(
    header: tuple[str, ...], since: datetime, until: datetime, seed: int
) -> list[list[str]]:
    names = metric_names("anthropic")
    key_columns = [c for c in header if c not in _ANTHROPIC_USAGE_SUMS]
    sum_columns = [c for c in header if c in _ANTHROPIC_USAGE_SUMS]
    groups: dict[Key, Sums] = {}
    for record in generate("anthropic", since, until, seed):
        dims = record.combo.dims
        metrics = dict(zip(names, record.metrics, strict=True))
        cells = {
            "usage_date_utc": record.at.date().isoformat(),
            "model_version": str(dims["model"]),
            "api_key": _key_name(dims["api_key_id"]),
            "workspace": _workspace_name(dims["workspace_id"]),
            "usage_type": str(dims["service_tier"]),
            "context_window": _CONTEXT_WINDOWS[str(dims["context_window"])],
            "inference_geo": str(dims["inference_geo"]),
            "speed": "fast" if dims["speed"] == "fast" else "",
        }
        values = [Decimal(sum(metrics[m] for m in _ANTHROPIC_USAGE_SUMS[c])) for c in sum_columns]
        _accumulate(groups, tuple(cells[c] for c in key_columns), values)
    return _rows(header, key_columns, sum_columns, groups, str)


def _anthropic_cost_rows(
    header: tuple[str, ...], since: datetime, until: datetime, seed: int
) -> list[list[str]]:
    sums = ("cost_usd", "list_price_usd")
    key_columns = [c for c in header if c not in sums]
    sum_columns = [c for c in header if c in sums]
    groups: dict[Key, Sums] = {}
    for line in cost_lines("anthropic", since, until, seed):
        cells = _anthropic_cost_cells(line)
        values = [line.amount_usd if c == "cost_usd" else line.list_usd for c in sum_columns]
        _accumulate(groups, tuple(cells[c] for c in key_columns), values)
    return _rows(header, key_columns, sum_columns, groups, decimal_text)


def _anthropic_cost_cells(line: CostLine) -> dict[str, str]:
    dims = line.dims
    key_id = dims["api_key_id"]
    key = _api_key(key_id)
    context = dims["context_window"]
    return {
        "usage_date_utc": line.day.date().isoformat(),
        "model": _text(dims["model_name"]),
        "workspace": _workspace_name(dims["workspace_id"]),
        "api_key": _key_name(key_id),
        "usage_type": _text(dims["usage_type_csv"]),
        "context_window": "" if context is None else _CONTEXT_WINDOWS[str(context)],
        "token_type": _TOKEN_TYPES.get(_text(dims["token_type"]), ""),
        "cost_type": _COST_TYPES.get(_text(dims["cost_type"]), _text(dims["cost_type"])),
        "inference_geo": _text(dims["inference_geo_csv"]),
        "speed": "fast" if dims["speed_csv"] == "fast" else "",
        "api_key_id": _text(key_id),
        "api_key_status": "" if key is None else key.status,
    }


def _openai_usage(header: tuple[str, ...], since: datetime, until: datetime, seed: int) -> str:
    names = metric_names("openai")
    dimension_columns = OPENAI_DIMENSIONS
    key_columns = [c for c in header if c in dimension_columns]
    sum_columns = [c for c in header if c not in dimension_columns and c not in _OPENAI_TIME]
    days: dict[datetime, dict[Key, Sums]] = {}
    for record in generate("openai", since, until, seed):
        dims = record.combo.dims
        metrics = dict(zip(names, record.metrics, strict=True))
        cells = {name: _openai_cell(dims[name]) for name in dimension_columns}
        values = [Decimal(metrics[c]) for c in sum_columns]
        groups = days.setdefault(snap(record.at, "1d"), {})
        _accumulate(groups, tuple(cells[c] for c in key_columns), values)

    def row_cells(key: Key, sums: Mapping[str, Decimal]) -> dict[str, str]:
        return _named_cells(key_columns, key, sums, _float_text)

    return _openai_rows_file(header, since, until, days, sum_columns, row_cells)


def _openai_cost(header: tuple[str, ...], since: datetime, until: datetime, seed: int) -> str:
    org_id, org_name = ORGANIZATION["openai"]
    dimension_columns = ("line_item", "project_id", "user_id", "api_key_id")
    key_columns = [c for c in header if c in dimension_columns]
    sum_columns = [c for c in ("amount_value", "quantity") if c in header]
    days: dict[datetime, dict[Key, Sums]] = {}
    for line in cost_lines("openai", since, until, seed):
        dims = line.dims
        key = tuple(_text(dims[c]) for c in key_columns)
        unit = _text(dims["quantity_unit"])
        # The unit follows from the line item, so it can ride along in the key.
        values = [
            line.amount_usd if c == "amount_value" else Decimal(line.quantity) for c in sum_columns
        ]
        _accumulate(days.setdefault(line.day, {}), (*key, unit), values)
    constant = {
        "amount_currency": "usd",
        "organization_id": org_id,
        "organization_name": org_name,
    }

    def cells(key: Key, sums: Mapping[str, Decimal]) -> dict[str, str]:
        named = dict(zip(key_columns, key[:-1], strict=True))
        project, user = named.get("project_id", ""), named.get("user_id", "")
        out = {**constant, **named, "quantity_unit": key[-1]}
        out["amount_value"] = f"{sums['amount_value']:.16f}"
        if "quantity" in sums:
            out["quantity"] = _float_text(sums["quantity"])
        out["project_name"] = OPENAI_PROJECTS.get(project, "")
        out["user_email"] = OPENAI_USERS.get(user, "")
        out["api_source"] = "api" if named.get("api_key_id") else ""
        return out

    return _openai_rows_file(header, since, until, days, sum_columns, cells)


def _openai_rows_file(
    header: tuple[str, ...],
    since: datetime,
    until: datetime,
    days: Mapping[datetime, Mapping[Key, Sums]],
    sum_columns: Sequence[str],
    cells: Callable[[Key, Mapping[str, Decimal]], Mapping[str, str]],
) -> str:
    # An export with no data at all has only the time columns.
    if not any(days.values()):
        header = _OPENAI_TIME
    rows: list[list[str]] = []
    day = snap(since, "1d")
    while day < until:
        times = _openai_times(day)
        groups = days.get(day, {})
        if not groups:
            rows.append([times.get(c, "") for c in header])
        for key, values in sorted(groups.items()):
            named = {**times, **cells(key, dict(zip(sum_columns, values, strict=True)))}
            rows.append([named.get(c, "") for c in header])
        day += _DAY
    return _write(header, rows)


def _openai_times(day: datetime) -> dict[str, str]:
    end = day + _DAY
    return {
        "start_time": str(int(day.timestamp())),
        "end_time": str(int(end.timestamp())),
        "start_time_iso": day.astimezone(UTC).isoformat(),
        "end_time_iso": end.astimezone(UTC).isoformat(),
    }


def _openai_cell(value: Dimension) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return _text(value)


def _float_text(value: Decimal) -> str:
    # The dashboard writes counts as floats: 10 -> "10.0".
    text = decimal_text(value)
    return text if "." in text else text + ".0"


def _accumulate(groups: dict[Key, Sums], key: Key, values: Sequence[Decimal]) -> None:
    totals = groups.get(key)
    if totals is None:
        groups[key] = list(values)
    else:
        for index, value in enumerate(values):
            totals[index] += value


def _rows(
    header: Sequence[str],
    key_columns: Sequence[str],
    sum_columns: Sequence[str],
    groups: Mapping[Key, Sums],
    number: Callable[[Decimal], str],
) -> list[list[str]]:
    rows = []
    for key, values in sorted(groups.items()):
        sums = dict(zip(sum_columns, values, strict=True))
        cells = _named_cells(key_columns, key, sums, number)
        rows.append([cells[c] for c in header])
    return rows


def _named_cells(
    key_columns: Sequence[str],
    key: Key,
    sums: Mapping[str, Decimal],
    number: Callable[[Decimal], str],
) -> dict[str, str]:
    """Column -> cell for one group: its key values, then its sums written by `number`."""
    cells = dict(zip(key_columns, key, strict=True))
    cells.update((name, number(value)) for name, value in sums.items())
    return cells


def _write(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _api_key(key_id: Dimension) -> ApiKey | None:
    return None if key_id is None else ANTHROPIC_API_KEYS.get(str(key_id))


def _key_name(key_id: Dimension) -> str:
    key = _api_key(key_id)
    return "" if key is None else key.name


def _workspace_name(workspace_id: Dimension) -> str:
    if workspace_id is None:
        return DEFAULT_WORKSPACE_NAME
    return ANTHROPIC_WORKSPACES.get(str(workspace_id), str(workspace_id))


def _text(value: Dimension) -> str:
    return "" if value is None else str(value)
