"""Price estimates for usage buckets, from genai-prices, exact and tier-correct.

Usage:

    estimate = estimate_cost(event)
    if estimate.cost_usd is not None:
        event = event.model_copy(update={"cost_usd": estimate.cost_usd,
                                         "cost_source": "estimated"})

An estimate is token x price; the provider's cost report stays the money of record.
`estimate_cost` returns `PriceEstimate(cost_usd=None, reason=...)` whenever it cannot be
sure, and never guesses. Each unpriced event that names a model increments
`usage_price_unknown_total{provider}`.

How a bucket is priced (every rule below is tested in tests/test_pricing.py):

1. Usage type. Token usage (`messages`, `completions`, `embeddings`, `moderations`) is
   priced from the token measures. Two unit types are priced when the library has a price
   for exactly the unit the usage API reports: `audio_speeches` by characters
   (`input_mchars`, e.g. tts-1) and `audio_transcriptions` by seconds (`input_audio_hours`,
   else `audio_hours`, e.g. whisper-1). Everything else (images, vector stores, code
   interpreter sessions, file/web search calls, Claude Code) -> None, "not token usage".
   Moderations cost 0 only because the library's `moderation` model has an empty price set
   and its own `calc_price` returns 0 for it; a moderation model it does not know -> None.
2. Model. `provider_id` is the event's provider (`anthropic` / `openai`); the library
   resolves dated ids (`claude-sonnet-4-5-20250929` -> `claude-sonnet-4-5`,
   `gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`). Model None or not found -> "unknown model".
3. Date. Prices are those in force at `window_start` (the library's dated prices, e.g. o3
   from $10/$40 to $2/$8 per MTok on 2025-06-10; Sonnet 4.6 lost its >200k surcharge on
   2026-03-13).
4. Partition. The canonical input partition is priced part by part, each at its own rate,
   once: uncached -> `input_mtok`; cache read -> `cache_read_mtok`; cache write 5m ->
   `cache_write_5m_mtok` or `cache_write_mtok`; cache write 1h -> `cache_write_1h_mtok`;
   unsplit write (`input_cache_write_tokens - 5m - 1h`) -> `cache_write_mtok` (the 5m /
   default write rate); output -> `output_mtok`. A part whose own rate the model lacks takes
   the nearest rate above it in the library's unit hierarchy (cache write -> input), which is
   what the library's own `calc_price` does (e.g. OpenAI models without a cache-write price
   bill written tokens as input). The parts are disjoint by construction (`UsageEvent`
   checks `input = uncached + read + write`), so no token is counted twice; `parts` on the
   result lists each part's cost and their sum is the total. Anthropic web search requests
   on `messages` are added at `web_searches_kcount` (standard rate, also in batch:
   Anthropic publishes no batch rate for it).
5. Long-context tier. A bucket sums many requests, and the library applies its tiers to the
   *one* Usage it is given (1M input tokens in one Usage is charged the >200k rate). So the
   estimate never passes the aggregate to `calc_price`. It reads the model's price object
   (`ModelInfo.get_prices(window_start)`: a `Decimal` or `TieredPrices(base, tiers)` per
   price key) and chooses the tier from the event's `context_window` dimension: `0-200k`
   -> the rates for requests of at most 200,000 input tokens (base), `200k-1M` -> the rates
   for requests above 200,000 (the tier starting at 200,000, when the model has one; a flat
   price stays flat), null -> base rates. If a tier boundary falls strictly inside the
   window (Haiku 5.5 charges 5x above 100k, inside `0-200k`), the rate cannot be known:
   None. Per-token rates of a tier are then applied to the whole bucket. (The library's
   `calc_price` on a single request-sized Usage gives the same numbers; the tests check it.)
   OpenAI's usage API has no context-window dimension, so its >272k surcharge (gpt-5.4 and
   later) is never applied: such estimates are low for long prompts.
6. Batch. `batch is True` (OpenAI) or `service_tier == "batch"` (Anthropic) -> 50% of the
   standard token rates of the chosen tier, cache reads and writes included (Anthropic:
   "Message Batches API usage is charged at 50% of the standard rates", caching multipliers
   stack; OpenAI: Batch API 50% discount on inputs and outputs). The library's own batch
   variants are not used: they only start on 2026-10-14 (earlier batch prices are not
   modelled, and asking for them silently returns standard prices), and for some older
   OpenAI models they keep cached input at the standard rate or round it ($0.13 for
   $0.125). They agree with 50% on every uncached input, cache write and output rate.
7. Other service tiers and speeds (OpenAI `flex` / `priority` / `scale`, Anthropic
   `priority` / `flex` / ..., Anthropic `speed: fast`): priced only through a library price
   variant for that exact value that is in force at `window_start` (OpenAI flex/priority
   variants start 2026-10-12). Otherwise -> None, "unpriced service tier <x>" /
   "unpriced speed <x>": OpenAI's flex is documented at 50%, but the library does not model
   its history, so no rate is invented here. `default` / `standard` / null are standard.
8. Models whose price set has rates the bucket totals cannot split (per-modality audio /
   image token prices, per-request fees, reasoning-token prices) -> None: pricing their
   totals at the text rate would be a guess.

Money is exact: `Decimal` rates from the library times integer counts, divided by the unit
(1,000,000 tokens, 1,000 requests, 3,600 seconds) in a context with `Inexact` trapped, so
an estimate that cannot be represented exactly is refused (None) rather than rounded. The
result is not rounded or quantized; storage and display decide that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import (
    Context,
    Decimal,
    DecimalException,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
    localcontext,
)
from typing import Final

from genai_prices import calc_price
from genai_prices.data_snapshot import get_snapshot
from genai_prices.types import ModelInfo, ModelPrice, TieredPrices, Usage

from usage_common import UsageEvent

from .metrics import PRICE_UNKNOWN

__all__ = ["PriceEstimate", "estimate_cost", "parse_context_window"]

TOKEN_USAGE_TYPES: Final = frozenset({"messages", "completions", "embeddings", "moderations"})
_MTOK: Final = 1_000_000
_KILO: Final = 1_000
_HOUR: Final = 3_600
_HALF: Final = Decimal("0.5")
_STANDARD_TIERS: Final = frozenset({"default", "standard"})
_STANDARD_SPEEDS: Final = frozenset({"standard"})

# Token parts of the canonical partition -> price keys, most specific first. The later keys
# are the library's unit hierarchy: a token without its own rate is billed at its parent's.
_PART_RATES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("input_uncached", ("input_mtok",)),
    ("input_cache_read", ("cache_read_mtok", "input_mtok")),
    ("input_cache_write_5m", ("cache_write_5m_mtok", "cache_write_mtok", "input_mtok")),
    ("input_cache_write_1h", ("cache_write_1h_mtok", "cache_write_mtok", "input_mtok")),
    ("input_cache_write_unsplit", ("cache_write_mtok", "cache_write_5m_mtok", "input_mtok")),
    ("output", ("output_mtok",)),
)
_TOKEN_KEYS: Final = frozenset(key for _, keys in _PART_RATES for key in keys)
# Tools billed by their own meters (their own usage types or cost lines), not by these
# token totals; a price for them does not make the token estimate incomplete.
_TOOL_KEYS: Final = frozenset(
    {
        "web_searches_kcount",
        "storage_searches_kcount",
        "social_searches_kcount",
        "code_executions_kcount",
    }
)
# Unit usage types: usage type -> (units key, candidate price keys, units per price).
_UNIT_TYPES: Final[Mapping[str, tuple[str, tuple[str, ...], int]]] = {
    "audio_speeches": ("characters", ("input_mchars",), _MTOK),
    "audio_transcriptions": ("seconds", ("input_audio_hours", "audio_hours"), _HOUR),
}

# Exact arithmetic: any rounding raises instead of silently losing a digit.
_EXACT: Final = Context(
    prec=120, traps=[Inexact, Rounded, InvalidOperation, DivisionByZero, Overflow]
)

_BOUND = r"(\d+(?:\.\d+)?)\s*([kKmM]?)"
_RANGE = re.compile(rf"^{_BOUND}\s*-\s*{_BOUND}$")
_AT_MOST = re.compile(rf"^(?:≤|<=)\s*{_BOUND}$")
_ABOVE = re.compile(rf"^(?:>|≥|>=)\s*{_BOUND}$")


@dataclass(frozen=True, slots=True)
class PriceEstimate:
    """The estimated cost of one usage event, or why there is none.

    Parameters:
        cost_usd: exact USD, not rounded; None when the event cannot be priced.
        reason: why `cost_usd` is None (e.g. "unknown model", "not token usage: images").
        parts: (part, USD) for each priced part; the costs sum to `cost_usd` exactly.
        model_id: the library's model id that priced the event.
    """

    cost_usd: Decimal | None
    reason: str | None = None
    parts: tuple[tuple[str, Decimal], ...] = ()
    model_id: str | None = None

    def __post_init__(self) -> None:
        if (self.cost_usd is None) == (self.reason is None):
            raise ValueError("a PriceEstimate has either a cost or a reason, not both")


class _Unpriced(Exception):
    """Internal: the event cannot be priced; the message is the reason."""


def estimate_cost(event: UsageEvent) -> PriceEstimate:
    """Estimate the cost of one usage bucket in exact USD (see the module docstring).

    Counts `usage_price_unknown_total{provider}` for every unpriced event with a model.
    """
    try:
        return _estimate(event)
    except _Unpriced as exc:
        reason = str(exc)
    except DecimalException as exc:  # a trapped Inexact/Rounded: never round money
        reason = f"cost not exactly representable ({type(exc).__name__})"
    if event.model is not None:
        PRICE_UNKNOWN.labels(provider=event.provider).inc()
    return PriceEstimate(cost_usd=None, reason=reason)


def parse_context_window(text: str) -> tuple[int, int | None]:
    """`0-200k` -> (0, 200000), `200k-1M` -> (200000, 1000000), `> 200k` -> (200000, None).

    The window holds requests with lower < input tokens <= upper (upper None: unbounded).
    Also reads the console's `≤ 200k`. Raises ValueError for anything else.
    """
    value = text.strip()
    if m := _RANGE.match(value):
        return _count(m.group(1), m.group(2)), _count(m.group(3), m.group(4))
    if m := _AT_MOST.match(value):
        return 0, _count(m.group(1), m.group(2))
    if m := _ABOVE.match(value):
        return _count(m.group(1), m.group(2)), None
    raise ValueError(f"unknown context window {text!r}")


def _count(number: str, suffix: str) -> int:
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[suffix.lower()]
    value = Decimal(number) * scale
    if value != value.to_integral_value():
        raise ValueError(f"{number}{suffix} is not a whole number of tokens")
    return int(value)


def _estimate(event: UsageEvent) -> PriceEstimate:
    usage_type = event.usage_type
    if usage_type not in TOKEN_USAGE_TYPES and usage_type not in _UNIT_TYPES:
        raise _Unpriced(f"not token usage: {usage_type}")
    if event.model is None:
        raise _Unpriced("unknown model")
    try:
        _, model = get_snapshot().find_provider_model(event.model, None, event.provider, None)
    except LookupError:
        raise _Unpriced("unknown model") from None
    when = event.window_start
    prices = _prices(model, event, when)
    if usage_type in _UNIT_TYPES:
        return _price_units(event, model, prices)
    if usage_type == "moderations" and not _set_keys(prices):
        return _free_moderation(event, event.model, model, when)
    return _price_tokens(event, model, prices)


def _prices(model: ModelInfo, event: UsageEvent, when: datetime) -> ModelPrice:
    """The model's prices at `when`, with the variant for a non-standard tier or speed."""
    context: dict[str, str] = {}
    tier = event.service_tier
    if tier is not None and tier not in _STANDARD_TIERS and tier != "batch":
        context["service_tier"] = tier
    speed = event.dimensions.get("speed")
    if speed is not None and speed not in _STANDARD_SPEEDS:
        context["speed"] = speed
    if context and _is_batch(event):
        what = ", ".join(f"{k} {v}" for k, v in context.items())
        raise _Unpriced(f"unpriced combination: batch with {what}")
    for key, value in context.items():
        if not _variant_in_force(model, key, value, when):
            label = "service tier" if key == "service_tier" else key
            raise _Unpriced(f"unpriced {label} {value}")
    return model.get_prices(when, context or None)


def _variant_in_force(model: ModelInfo, key: str, value: str, when: datetime) -> bool:
    # `get_prices` silently falls back to standard prices when no variant is active; a
    # non-standard tier must have its own prices in force at `when`, or it is not priced.
    for variant in model.price_variants or ():
        if variant.when.get(key) != value or len(variant.when) != 1:
            continue
        if variant.constraint is None or variant.constraint.active(when):
            return True
    return False


def _is_batch(event: UsageEvent) -> bool:
    return event.batch is True or event.service_tier == "batch"


def _set_keys(prices: ModelPrice) -> set[str]:
    return {k for k, v in vars(prices).items() if not k.startswith("_") and v is not None}


def _price_tokens(event: UsageEvent, model: ModelInfo, prices: ModelPrice) -> PriceEstimate:
    keys = _set_keys(prices)
    unsplittable = sorted(keys - _TOKEN_KEYS - _TOOL_KEYS)
    if unsplittable:
        raise _Unpriced(
            f"model {model.id} has prices the bucket totals cannot split: {', '.join(unsplittable)}"
        )
    window = _window(event.context_window)
    unsplit = (
        event.input_cache_write_tokens
        - event.input_cache_write_5m_tokens
        - event.input_cache_write_1h_tokens
    )
    counts = {
        "input_uncached": event.input_uncached_tokens,
        "input_cache_read": event.input_cache_read_tokens,
        "input_cache_write_5m": event.input_cache_write_5m_tokens,
        "input_cache_write_1h": event.input_cache_write_1h_tokens,
        "input_cache_write_unsplit": unsplit,
        "output": event.output_tokens,
    }
    batch = _is_batch(event)
    parts: list[tuple[str, Decimal]] = []
    with localcontext(_EXACT):
        for part, candidates in _PART_RATES:
            count = counts[part]
            if count == 0:
                continue
            rate = _rate(prices, candidates, window, model.id, part)
            if batch:
                rate *= _HALF
            parts.append((part, rate * count / _MTOK))
        searches = event.web_search_requests or 0
        if searches and event.usage_type == "messages":
            price = prices.web_searches_kcount
            if price is None:
                raise _Unpriced(f"no web search price for model {model.id}")
            rate = _tier_rate(price, window, model.id, "web_search")
            parts.append(("web_search", rate * searches / _KILO))
        return _result(parts, model)


def _price_units(event: UsageEvent, model: ModelInfo, prices: ModelPrice) -> PriceEstimate:
    unit, candidates, per = _UNIT_TYPES[event.usage_type]
    count = event.units.get(unit)
    if count is None:
        raise _Unpriced(f"{event.usage_type} without a {unit} count")
    keys = _set_keys(prices)
    price_key = next((k for k in candidates if k in keys), None)
    others = keys - set(candidates) - _TOOL_KEYS
    if price_key is None or others:
        raise _Unpriced(f"model {model.id} has no price per {unit} alone")
    if _is_batch(event):
        raise _Unpriced(f"unpriced combination: batch with {event.usage_type}")
    with localcontext(_EXACT):
        rate = _tier_rate(getattr(prices, price_key), None, model.id, unit)
        return _result([(unit, rate * count / per)], model)


def _free_moderation(
    event: UsageEvent, model_ref: str, model: ModelInfo, when: datetime
) -> PriceEstimate:
    # The library lists moderation models with no prices at all; its own calculation says 0.
    usage = Usage(input_tokens=event.input_tokens, output_tokens=event.output_tokens)
    total = calc_price(
        usage, model_ref, provider_id=event.provider, genai_request_timestamp=when
    ).total_price
    if total != 0:
        raise _Unpriced(f"model {model.id} has no token prices")
    return PriceEstimate(cost_usd=Decimal(0), model_id=model.id)


def _result(parts: Iterable[tuple[str, Decimal]], model: ModelInfo) -> PriceEstimate:
    parts = tuple(parts)
    with localcontext(_EXACT):
        total = sum((cost for _, cost in parts), Decimal(0))
    return PriceEstimate(cost_usd=total, parts=parts, model_id=model.id)


def _window(context_window: str | None) -> tuple[int, int | None] | None:
    if context_window is None:
        return None
    try:
        return parse_context_window(context_window)
    except ValueError as exc:
        raise _Unpriced(str(exc)) from None


def _rate(
    prices: ModelPrice,
    candidates: tuple[str, ...],
    window: tuple[int, int | None] | None,
    model_id: str,
    part: str,
) -> Decimal:
    for key in candidates:
        price = getattr(prices, key)
        if price is not None:
            return _tier_rate(price, window, model_id, part)
    raise _Unpriced(f"no {part.replace('_', ' ')} price for model {model_id}")


def _tier_rate(
    price: Decimal | TieredPrices,
    window: tuple[int, int | None] | None,
    model_id: str,
    part: str,
) -> Decimal:
    """The per-unit rate of the tier every request in `window` falls into.

    A request of n input tokens pays the highest tier whose start is below n (the
    library's rule). For lower < n <= upper that is the same tier for every n exactly when
    no tier starts strictly between lower and upper; it is then the highest tier starting
    at or below `lower`.
    """
    if not isinstance(price, TieredPrices):
        return price
    if window is None:
        return price.base
    lower, upper = window
    inside = [
        t.start for t in price.tiers if lower < t.start and (upper is None or t.start < upper)
    ]
    if inside:
        raise _Unpriced(
            f"{part.replace('_', ' ')} price of {model_id} changes at {inside[0]:,} input"
            " tokens, inside the bucket's context window; the per-request tier is unknown"
        )
    rate = price.base
    for tier in price.tiers:  # sorted by start
        if tier.start <= lower:
            rate = tier.price
    return rate
