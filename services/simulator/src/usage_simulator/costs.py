"""Cost lines derived from the usage the simulator serves: usage x price, exactly.

Every token cost line is (tokens of one type, for one combo, on one UTC day) times
the rate `pricing.billing_rates` gives for that model, day and context, so usage and
cost reconcile exactly. Lines carry the identity fields both providers report plus the
names and list prices the console CSV exports need. Amounts are Decimal USD:

- Anthropic amounts are exact (the API writes them as cents, fractional cents and all).
- OpenAI amounts are rounded per line to 10 decimal places (a no-op for the catalogue's
  prices), so every sum the API serves is exact at 10 places too.

Priority Tier usage is never billed here: Anthropic bills it outside the cost report.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from types import MappingProxyType

from .buckets import snap
from .catalogue import MODEL_DISPLAY_NAMES, Combo, Dimension, Provider
from .data import Filters, UsageRecord, generate, metric_names, utc
from .datasets import CODE_EXECUTION
from .pricing import (
    ANTHROPIC_TOKEN_PRICES,
    CODE_EXECUTION_USD_PER_HOUR,
    CODE_INTERPRETER_USD_PER_SESSION,
    FILE_SEARCH_USD_PER_CALL,
    IMAGE_USD,
    OPENAI_TOKEN_PRICES,
    WEB_SEARCH_USD_PER_CALL,
    Rates,
    billing_rates,
)

__all__ = [
    "ANTHROPIC_COST_GROUPS",
    "ANTHROPIC_TOKEN_LABELS",
    "OPENAI_COST_GROUPS",
    "OPENAI_LINE_LABELS",
    "OPENAI_USD_PLACES",
    "CostLine",
    "CostRow",
    "cost_lines",
    "cost_rows",
    "expected_cost_usd",
]

ANTHROPIC_COST_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "workspace_id": ("workspace_id",),
        # Grouping by description splits costs into lines: these fields come with it.
        "description": (
            "description",
            "cost_type",
            "model",
            "token_type",
            "service_tier",
            "context_window",
            "inference_geo",
            "speed",
        ),
    }
)
"""cost_report group_by value -> the line fields it keeps apart (and fills in)."""

OPENAI_COST_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "project_id": ("project_id",),
        "line_item": ("line_item", "quantity_unit"),
        "api_key_id": ("api_key_id",),
    }
)
"""costs group_by value -> line fields."""

ANTHROPIC_TOKEN_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "uncached_input_tokens": "Input Tokens",
        "output_tokens": "Output Tokens",
        "cache_read_input_tokens": "Input Tokens, Cache Read",
        "cache_creation.ephemeral_5m_input_tokens": "Input Tokens, Cache Write (5m)",
        "cache_creation.ephemeral_1h_input_tokens": "Input Tokens, Cache Write (1h)",
    }
)
"""Cost-report token_type -> the tail of its description."""

OPENAI_LINE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "input_text_tokens": "input",
        "input_audio_tokens": "audio input",
        "input_image_tokens": "image input",
        "input_cached_text_tokens": "cached input",
        "input_cached_audio_tokens": "cached audio input",
        "input_cached_image_tokens": "cached image input",
        "input_cache_write_tokens": "cache write input",
        "output_text_tokens": "output",
        "output_audio_tokens": "audio output",
        "output_image_tokens": "image output",
    }
)
"""Completions metric -> line_item suffix (`"<model>, <suffix>"`, batch: `"batch <suffix>"`)."""

OPENAI_USD_PLACES = 10
_OPENAI_QUANTUM = Decimal(1).scaleb(-OPENAI_USD_PLACES)
_DAY = timedelta(days=1)
# (usage metric, cost-report token_type) for the Anthropic messages metrics.
_ANTHROPIC_TOKENS = (
    ("uncached_input_tokens", "uncached_input_tokens"),
    ("output_tokens", "output_tokens"),
    ("cache_read_input_tokens", "cache_read_input_tokens"),
    ("cache_write_5m", "cache_creation.ephemeral_5m_input_tokens"),
    ("cache_write_1h", "cache_creation.ephemeral_1h_input_tokens"),
)


@dataclass(frozen=True, slots=True)
class CostLine:
    """One billed quantity on one UTC day.

    Parameters:
        day: the bucket start (00:00 UTC).
        dims: identity fields as the API reports them when grouping by every field
            (null rules applied), plus what only the CSVs show: `api_key_id`,
            `user_id`, `model_name` and the `*_csv` fields.
        amount_usd: what is billed.
        list_usd: the same quantity at the standard (non-batch) price.
        quantity: tokens, searches, seconds, images, ... (see `dims["quantity_unit"]`).
    """

    day: datetime
    dims: Mapping[str, Dimension]
    amount_usd: Decimal
    list_usd: Decimal
    quantity: int


@dataclass(frozen=True, slots=True)
class CostRow:
    """One cost result: the grouped fields, the summed amount and quantity."""

    dims: Mapping[str, Dimension]
    amount_usd: Decimal
    quantity: int


def cost_lines(provider: Provider, since: datetime, until: datetime, seed: int) -> list[CostLine]:
    """Every cost line from usage stamped in [since, until), by day, oldest first."""
    since, until = utc(since), utc(until)
    lines: list[CostLine] = []
    day = snap(since, "1d")
    while day < until:
        start, stop = max(since, day), min(until, day + _DAY)
        if start == day and stop == day + _DAY:
            lines.extend(_whole_day(provider, day, seed))
        else:
            lines.extend(_day_lines(provider, day, start, stop, seed))
        day += _DAY
    return lines


def cost_rows(
    provider: Provider,
    since: datetime,
    until: datetime,
    seed: int,
    group_by: Collection[str] = (),
    filters: Filters | None = None,
) -> dict[datetime, list[CostRow]]:
    """Lines summed per (day, grouped fields), in the provider's group_by vocabulary."""
    groups = ANTHROPIC_COST_GROUPS if provider == "anthropic" else OPENAI_COST_GROUPS
    keys = tuple(field for name in group_by for field in groups[name])
    sums: dict[datetime, dict[tuple[Dimension, ...], tuple[Decimal, int]]] = {}
    for line in cost_lines(provider, since, until, seed):
        if filters and not all(line.dims.get(n) in ok for n, ok in filters.items()):
            continue
        day = sums.setdefault(line.day, {})
        key = tuple(line.dims.get(name) for name in keys)
        amount, quantity = day.get(key, (Decimal(0), 0))
        day[key] = (amount + line.amount_usd, quantity + line.quantity)
    return {
        day: [
            CostRow(dict(zip(keys, key, strict=True)), amount, quantity)
            for key, (amount, quantity) in sorted(groups_.items(), key=_order)
        ]
        for day, groups_ in sorted(sums.items())
    }


def expected_cost_usd(provider: Provider, since: datetime, until: datetime, seed: int) -> Decimal:
    """Exact USD the cost endpoint serves for usage in [since, until), under any grouping.

    With day-aligned bounds this is the sum of every amount in the day buckets
    [since, until): Anthropic's cents / 100, OpenAI's dollar values.
    """
    return sum((line.amount_usd for line in cost_lines(provider, since, until, seed)), Decimal(0))


@lru_cache(maxsize=4096)
def _whole_day(provider: Provider, day: datetime, seed: int) -> tuple[CostLine, ...]:
    # Past days never change, so paging through them prices each day once.
    return tuple(_day_lines(provider, day, day, day + _DAY, seed))


def _day_lines(
    provider: Provider, day: datetime, start: datetime, stop: datetime, seed: int
) -> list[CostLine]:
    if provider == "anthropic":
        return _anthropic_day(day, start, stop, seed)
    return _openai_day(day, start, stop, seed)


def _per_combo(
    provider: Provider, endpoint: str, start: datetime, stop: datetime, seed: int
) -> list[tuple[Combo, dict[str, int]]]:
    """Records in [start, stop) summed per combo, in catalogue order."""
    names = metric_names(provider, endpoint)
    sums: dict[str, tuple[Combo, list[int]]] = {}
    records: Iterable[UsageRecord] = generate(provider, start, stop, seed, endpoint=endpoint)
    for record in records:
        entry = sums.setdefault(record.combo.key, (record.combo, [0] * len(names)))
        for index, value in enumerate(record.metrics):
            entry[1][index] += value
    return [(combo, dict(zip(names, totals, strict=True))) for combo, totals in sums.values()]


def _anthropic_day(day: datetime, start: datetime, stop: datetime, seed: int) -> list[CostLine]:
    lines: list[CostLine] = []
    for combo, metrics in _per_combo("anthropic", "messages", start, stop, seed):
        dims = combo.dims
        tier = dims["service_tier"]
        if tier == "priority":
            continue  # billed outside the cost report (documented caveat)
        model = str(dims["model"])
        fast = dims["speed"] == "fast"
        long_context = dims["context_window"] == "200k-1M"
        rates = billing_rates("anthropic", model, day, batch=tier == "batch", fast=fast)
        list_rates = billing_rates("anthropic", model, day, fast=fast)
        display = MODEL_DISPLAY_NAMES.get(model, model)
        batch_word = " Batch" if tier == "batch" else ""
        suffix = (", Long Context" if long_context else "") + (", Fast Mode" if fast else "")
        for metric, token_type in _ANTHROPIC_TOKENS:
            quantity = metrics[metric]
            chain = ANTHROPIC_TOKEN_PRICES[token_type]
            rate = rates.per_unit(chain, long_context=long_context)
            if not quantity or rate is None:
                continue
            list_rate = list_rates.per_unit(chain, long_context=long_context) or rate
            label = ANTHROPIC_TOKEN_LABELS[token_type]
            line = {
                "usage_type_csv": "batch" if tier == "batch" else "message",
                "description": f"{display}{batch_word} Usage - {label}{suffix}",
                "cost_type": "tokens",
                "model": model,
                "token_type": token_type,
                "service_tier": tier,
                "context_window": dims["context_window"],
                "inference_geo": dims["inference_geo"],
                "speed": dims["speed"],
            }
            lines.append(_anthropic_line(day, combo, line, quantity, rate, list_rate))
        searches = metrics["web_search_requests"]
        if searches:
            price = _web_search_price(rates)
            line = {
                "description": "Web Search Usage",
                "cost_type": "web_search",
                "usage_type_csv": "batch" if tier == "batch" else "message",
            }
            lines.append(_anthropic_line(day, combo, line, searches, price, price))
    for combo, metrics in _per_combo("anthropic", CODE_EXECUTION, start, stop, seed):
        seconds = metrics["container_seconds"]
        amount = Decimal(seconds) * CODE_EXECUTION_USD_PER_HOUR / 3600
        line = {
            "description": "Code Execution Usage",
            "cost_type": "code_execution",
            "usage_type_csv": "code_execution",
        }
        dims = _anthropic_dims(combo, line)
        lines.append(CostLine(day, dims, amount, amount, seconds))
    return lines


def _anthropic_line(
    day: datetime,
    combo: Combo,
    line: dict[str, Dimension],
    quantity: int,
    rate: Decimal,
    list_rate: Decimal,
) -> CostLine:
    dims = _anthropic_dims(combo, line)
    return CostLine(day, dims, quantity * rate, quantity * list_rate, quantity)


def _anthropic_dims(combo: Combo, line: Mapping[str, Dimension]) -> Mapping[str, Dimension]:
    model = combo.dims.get("model")
    dims: dict[str, Dimension] = {
        "workspace_id": combo.dims["workspace_id"],
        "api_key_id": combo.dims.get("api_key_id"),
        "model_name": None if model is None else MODEL_DISPLAY_NAMES.get(str(model), str(model)),
        "inference_geo_csv": combo.dims.get("inference_geo"),
        "speed_csv": combo.dims.get("speed"),
        # Null unless grouped by description, and null for costs that are not tokens.
        "model": None,
        "token_type": None,
        "service_tier": None,
        "context_window": None,
        "inference_geo": None,
        "speed": None,
    }
    dims.update(line)
    return MappingProxyType(dims)


def _web_search_price(rates: Rates) -> Decimal:
    return rates.per_unit(("web_searches_kcount",)) or WEB_SEARCH_USD_PER_CALL


def _openai_day(day: datetime, start: datetime, stop: datetime, seed: int) -> list[CostLine]:
    lines: list[CostLine] = []
    for combo, metrics in _per_combo("openai", "completions", start, stop, seed):
        model = str(combo.dims["model"])
        batch = combo.dims["batch"] is True
        rates = billing_rates("openai", model, day, batch=batch)
        list_rates = billing_rates("openai", model, day)
        for metric, label in OPENAI_LINE_LABELS.items():
            chain = OPENAI_TOKEN_PRICES[metric]
            name = f"{model}, {'batch ' if batch else ''}{label}"
            rate = rates.per_unit(chain)
            list_rate = list_rates.per_unit(chain) or rate
            lines.extend(_openai_line(day, combo, name, "tokens", metrics[metric], rate, list_rate))
    for combo, metrics in _per_combo("openai", "embeddings", start, stop, seed):
        model = str(combo.dims["model"])
        rate = billing_rates("openai", model, day).per_unit(("input_mtok",))
        name = f"{model}, input"
        lines.extend(_openai_line(day, combo, name, "tokens", metrics["input_tokens"], rate))
    for combo, metrics in _per_combo("openai", "audio_speeches", start, stop, seed):
        model = str(combo.dims["model"])
        rate = billing_rates("openai", model, day).per_unit(("input_mchars",))
        name = f"{model}, characters"
        lines.extend(_openai_line(day, combo, name, "characters", metrics["characters"], rate))
    for combo, metrics in _per_combo("openai", "audio_transcriptions", start, stop, seed):
        model = str(combo.dims["model"])
        chain = ("input_audio_hours", "audio_hours")
        rate = billing_rates("openai", model, day).per_unit(chain)
        name = f"{model}, audio"
        seconds = metrics["seconds"]
        lines.extend(_openai_line(day, combo, name, "duration_seconds", seconds, rate))
    for combo, metrics in _per_combo("openai", "images", start, stop, seed):
        name = f"{combo.dims['model']}, images {combo.dims['size']}"
        rate = IMAGE_USD[str(combo.dims["size"])]
        lines.extend(_openai_line(day, combo, name, "images", metrics["images"], rate))
    for combo, metrics in _per_combo("openai", "web_search_calls", start, stop, seed):
        model = str(combo.dims["model"])
        rate = _web_search_price(billing_rates("openai", model, day))
        name = f"{model}, web search tool calls"
        lines.extend(_openai_line(day, combo, name, "calls", metrics["num_requests"], rate))
    for combo, metrics in _per_combo("openai", "file_search_calls", start, stop, seed):
        rate = FILE_SEARCH_USD_PER_CALL
        name = "file search tool calls"
        lines.extend(_openai_line(day, combo, name, "calls", metrics["num_requests"], rate))
    for combo, metrics in _per_combo("openai", "code_interpreter_sessions", start, stop, seed):
        rate = CODE_INTERPRETER_USD_PER_SESSION
        name = "code interpreter sessions"
        lines.extend(_openai_line(day, combo, name, "sessions", metrics["num_sessions"], rate))
    return lines


def _openai_line(
    day: datetime,
    combo: Combo,
    line_item: str,
    unit: str,
    quantity: int,
    rate: Decimal | None,
    list_rate: Decimal | None = None,
) -> list[CostLine]:
    if not quantity or rate is None:
        return []  # nothing used, or free (moderations have no price)
    dims: dict[str, Dimension] = {
        "project_id": combo.dims.get("project_id"),
        "api_key_id": combo.dims.get("api_key_id"),
        "user_id": combo.dims.get("user_id"),
        "line_item": line_item,
        "quantity_unit": unit,
    }
    amount = _openai_usd(quantity * rate)
    listed = amount if list_rate is None else _openai_usd(quantity * list_rate)
    return [CostLine(day, MappingProxyType(dims), amount, listed, quantity)]


def _openai_usd(value: Decimal) -> Decimal:
    return value.quantize(_OPENAI_QUANTUM, rounding=ROUND_HALF_EVEN)


def _order(item: tuple[tuple[Dimension, ...], tuple[Decimal, int]]) -> tuple[tuple[bool, str], ...]:
    return tuple((value is not None, str(value)) for value in item[0])
