"""Prices: genai-prices' catalogue, read the way the project's estimator reads it.

The rule (also in the README):

- **Per token type, at the bucket's start date.** A token type maps to a chain of
  genai-prices price keys; the first key the model prices wins (Anthropic 1h cache
  writes: `cache_write_1h_mtok`, else `cache_write_mtok`, else `input_mtok`). The
  model's prices are those in force at 00:00 UTC of the bucket's day.
- **Batch is 50% of standard**, every token rate (cache reads and writes included), on
  every date. genai-prices' own batch variants are not used: they start only on
  2026-10-14 (asking earlier silently returns standard prices) and for some OpenAI models
  keep cached input at the standard rate or round it; the project's estimator makes the
  same choice, so the two agree. Tool calls (web search) have no batch rate and stay at
  the standard price.
- **Long context.** Tiered prices (Claude Sonnet 4.5 above 200k input tokens) use the
  tier rate when the usage's `context_window` is `200k-1M`, the base rate otherwise;
  the request-size threshold genai-prices applies to one request is not applied to
  aggregated buckets.
- **Fast mode** (Anthropic `speed=fast`) uses `price_context={"speed": "fast"}`.
- **Unknown models.** `UNPRICED_MODELS` are not in genai-prices: `library_rates` says
  None for them, while the fake providers still bill them at `FALLBACK_PRICES`.

Everything is Decimal; rates are exact per single unit (token, search, second).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType

from genai_prices import data_snapshot
from genai_prices.data_units import unit_data
from genai_prices.types import TieredPrices

from .catalogue import Provider

__all__ = [
    "ANTHROPIC_TOKEN_PRICES",
    "CODE_EXECUTION_USD_PER_HOUR",
    "CODE_INTERPRETER_USD_PER_SESSION",
    "FALLBACK_PRICES",
    "FILE_SEARCH_USD_PER_CALL",
    "IMAGE_USD",
    "OPENAI_TOKEN_PRICES",
    "WEB_SEARCH_USD_PER_CALL",
    "Rates",
    "billing_rates",
    "library_rates",
]

ANTHROPIC_TOKEN_PRICES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "uncached_input_tokens": ("input_mtok",),
        "output_tokens": ("output_mtok",),
        "cache_read_input_tokens": ("cache_read_mtok", "input_mtok"),
        "cache_creation.ephemeral_5m_input_tokens": (
            "cache_write_5m_mtok",
            "cache_write_mtok",
            "input_mtok",
        ),
        "cache_creation.ephemeral_1h_input_tokens": (
            "cache_write_1h_mtok",
            "cache_write_mtok",
            "input_mtok",
        ),
    }
)
"""Cost-report token_type -> price keys, most specific first."""

OPENAI_TOKEN_PRICES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "input_text_tokens": ("input_text_mtok", "input_mtok"),
        "input_audio_tokens": ("input_audio_mtok", "input_mtok"),
        "input_image_tokens": ("input_image_mtok", "input_mtok"),
        "input_cached_text_tokens": (
            "cache_text_read_mtok",
            "cache_read_mtok",
            "input_text_mtok",
            "input_mtok",
        ),
        "input_cached_audio_tokens": (
            "cache_audio_read_mtok",
            "cache_read_mtok",
            "input_audio_mtok",
            "input_mtok",
        ),
        "input_cached_image_tokens": (
            "cache_image_read_mtok",
            "cache_read_mtok",
            "input_image_mtok",
            "input_mtok",
        ),
        "input_cache_write_tokens": ("cache_write_mtok", "input_mtok"),
        "output_text_tokens": ("output_text_mtok", "output_mtok"),
        "output_audio_tokens": ("output_audio_mtok", "output_mtok"),
        "output_image_tokens": ("output_image_mtok", "output_mtok"),
    }
)
"""Completions metric (a partition of input and output tokens) -> price keys."""

# Public list prices genai-prices has no key for; the simulator's own constants.
WEB_SEARCH_USD_PER_CALL = Decimal("0.01")  # $10 per 1000, both providers
CODE_EXECUTION_USD_PER_HOUR = Decimal("0.05")  # Anthropic, per container-hour
CODE_INTERPRETER_USD_PER_SESSION = Decimal("0.03")  # OpenAI
FILE_SEARCH_USD_PER_CALL = Decimal("0.0025")  # OpenAI, $2.50 per 1000
IMAGE_USD: Mapping[str, Decimal] = MappingProxyType(
    {
        "256x256": Decimal("0.016"),
        "512x512": Decimal("0.018"),
        "1024x1024": Decimal("0.04"),
        "1024x1792": Decimal("0.08"),
        "1792x1792": Decimal("0.12"),
    }
)
"""USD per image by size (gpt-image-1 is token-priced in genai-prices)."""

FALLBACK_PRICES: Mapping[str, Mapping[str, Decimal]] = MappingProxyType(
    {
        "claude-experimental-1": MappingProxyType(
            {
                "input_mtok": Decimal("4"),
                "output_mtok": Decimal("20"),
                "cache_read_mtok": Decimal("0.4"),
                "cache_write_mtok": Decimal("5"),
                "cache_write_1h_mtok": Decimal("8"),
            }
        ),
        "gpt-internal-preview": MappingProxyType(
            {
                "input_mtok": Decimal("2"),
                "cache_read_mtok": Decimal("0.5"),
                "output_mtok": Decimal("8"),
            }
        ),
    }
)
"""What the fake providers bill for the models genai-prices does not know (USD per MTok)."""

_PER: Mapping[str, int] = MappingProxyType(
    {str(unit["price_key"]): int(unit["per"]) for unit in unit_data.values()}
)
_HALF = Decimal("0.5")
_TOKEN_SUFFIX = "_mtok"


@dataclass(frozen=True, slots=True)
class Rates:
    """One model's prices on one day, for one (batch, fast) context.

    Parameters:
        prices: price key -> USD per `per` units (a Decimal or genai-prices' tiers).
        token_factor: multiplier for token prices (0.5 for batch).
        source: "genai-prices" or "fallback".
    """

    prices: Mapping[str, Decimal | TieredPrices]
    token_factor: Decimal
    source: str

    def per_unit(self, chain: Sequence[str], *, long_context: bool = False) -> Decimal | None:
        """USD per single unit for the first key of `chain` the model prices, or None."""
        for key in chain:
            price = self.prices.get(key)
            if price is None:
                continue
            if isinstance(price, TieredPrices):
                price = price.tiers[0].price if long_context and price.tiers else price.base
            if key.endswith(_TOKEN_SUFFIX):
                price *= self.token_factor
            return price / _PER[key]
        return None


def library_rates(
    provider: Provider, model: str, on: date, *, batch: bool = False, fast: bool = False
) -> Rates | None:
    """genai-prices' rates for `model` on day `on`, or None when it does not know it."""
    return _library_rates(provider, model, _day(on), batch, fast)


def billing_rates(
    provider: Provider, model: str, on: date, *, batch: bool = False, fast: bool = False
) -> Rates:
    """What the fake provider bills: genai-prices, else the simulator's fallback prices."""
    found = library_rates(provider, model, on, batch=batch, fast=fast)
    if found is not None:
        return found
    fallback = FALLBACK_PRICES.get(model)
    if fallback is None:
        raise LookupError(f"no price for {provider} model {model!r}")
    return Rates(fallback, _HALF if batch else Decimal(1), "fallback")


def _day(on: date) -> date:
    if isinstance(on, datetime):
        return on.astimezone(UTC).date()
    return on


@lru_cache(maxsize=1024)
def _library_rates(provider: str, model: str, on: date, batch: bool, fast: bool) -> Rates | None:
    try:
        _, info = data_snapshot.get_snapshot().find_provider_model(model, None, provider, None)
    except LookupError:
        return None
    at = datetime.combine(on, time(0), UTC)
    resolved = info.get_prices(at, {"speed": "fast"} if fast else None)
    prices = {
        key: value
        for key, value in vars(resolved).items()
        if not key.startswith("_") and isinstance(value, Decimal | TieredPrices)
    }
    return Rates(MappingProxyType(prices), _HALF if batch else Decimal(1), "genai-prices")
