"""Every stream of synthetic records the simulator draws from, one `Dataset` each.

A dataset is (provider, endpoint): its dimensions, metric names, combos and the
integer function that turns a digest into one record's metrics. The usage endpoints
serve them; `code_execution` is served by no usage endpoint and exists only to put
Anthropic's "Code Execution Usage" into the cost report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .catalogue import (
    ANTHROPIC_COMBOS,
    ANTHROPIC_DIMENSIONS,
    OPENAI_COMBOS,
    OPENAI_DIMENSIONS,
    Combo,
    Dimension,
    Provider,
)
from .digests import u32
from .openai_endpoints import OPENAI_ENDPOINT_SPECS

__all__ = [
    "ANTHROPIC_METRICS",
    "CODE_EXECUTION",
    "OPENAI_METRICS",
    "PRIMARY_ENDPOINT",
    "USAGE_ENDPOINTS",
    "Dataset",
    "dataset_for",
]

ANTHROPIC_METRICS: tuple[str, ...] = (
    "uncached_input_tokens",
    "cache_write_5m",
    "cache_write_1h",
    "cache_read_input_tokens",
    "output_tokens",
    "web_search_requests",
)
OPENAI_METRICS: tuple[str, ...] = (
    "input_tokens",
    "output_tokens",
    "input_cached_tokens",
    "input_cache_write_tokens",
    "input_uncached_tokens",
    "input_text_tokens",
    "input_audio_tokens",
    "input_image_tokens",
    "input_cached_text_tokens",
    "input_cached_audio_tokens",
    "input_cached_image_tokens",
    "output_text_tokens",
    "output_audio_tokens",
    "output_image_tokens",
    "num_model_requests",
)

CODE_EXECUTION = "code_execution"
PRIMARY_ENDPOINT: Mapping[Provider, str] = MappingProxyType(
    {"anthropic": "messages", "openai": "completions"}
)
USAGE_ENDPOINTS: Mapping[Provider, tuple[str, ...]] = MappingProxyType(
    {"anthropic": ("messages",), "openai": ("completions", *OPENAI_ENDPOINT_SPECS)}
)
"""The usage endpoints each provider serves, by path segment (Anthropic: `messages`)."""


@dataclass(frozen=True, slots=True)
class Dataset:
    """One stream of records.

    Parameters:
        provider: whose data it is; quiet days and hours are shared per provider.
        endpoint: `messages`, a `/organization/usage/{X}` segment, or `code_execution`.
        dimensions: the dimension names every combo carries.
        metrics: metric names, in the order `measure` returns them.
        combos: the fixed dimension tuples that produce records.
        measure: (combo, digest) -> metrics, integer arithmetic only.
    """

    provider: Provider
    endpoint: str
    dimensions: tuple[str, ...]
    metrics: tuple[str, ...]
    combos: tuple[Combo, ...]
    measure: Callable[[Combo, bytes], tuple[int, ...]]


def dataset_for(provider: Provider, endpoint: str | None = None) -> Dataset:
    """The dataset behind `endpoint` (default: messages / completions)."""
    name = PRIMARY_ENDPOINT[provider] if endpoint is None else endpoint
    found = _DATASETS.get((provider, name))
    if found is None:
        raise ValueError(f"{provider} has no dataset {name!r}")
    return found


def _anthropic_metrics(combo: Combo, d: bytes) -> tuple[int, ...]:
    volume = combo.volume
    uncached = volume // 10 + u32(d, 4) % volume
    write_5m = 0 if d[8] % 2 == 0 else u32(d, 9) % (uncached // 2 + 1)
    write_1h = 0 if d[13] % 4 != 0 else u32(d, 14) % (uncached // 4 + 1)
    cache_read = 0 if d[18] % 3 == 0 else u32(d, 19) % (3 * uncached)
    output = uncached // 20 + u32(d, 23) % (uncached // 3 + 1)
    web_searches = 0 if d[27] % 5 != 0 else 1 + d[28] % 40
    return (uncached, write_5m, write_1h, cache_read, output, web_searches)


def _openai_metrics(combo: Combo, d: bytes) -> tuple[int, ...]:
    volume = combo.volume
    audio = "audio" in combo.modalities
    image = "image" in combo.modalities
    text_in = volume // 10 + u32(d, 4) % volume
    audio_in = u32(d, 8) % volume if audio else 0
    image_in = u32(d, 12) % volume if image else 0
    cached_text = 0 if d[16] % 3 == 0 else u32(d, 17) % (text_in + 1)
    cached_audio = u32(d, 21) % (audio_in // 4 + 1) if audio else 0
    cached_image = u32(d, 25) % (image_in // 4 + 1) if image else 0
    cache_write = 0 if d[29] % 2 == 0 else u32(d, 30) % (text_in // 4 + 1)
    output_text = text_in // 20 + u32(d, 34) % (text_in // 4 + 1)
    output_audio = u32(d, 38) % (audio_in // 2 + 1) if audio else 0
    output_image = (1 + d[42] % 16) * 4_160 if image else 0
    requests = 1 + u32(d, 44) % (volume // 2_000 + 5)
    uncached = text_in + audio_in + image_in
    cached = cached_text + cached_audio + cached_image
    return (
        uncached + cached + cache_write,
        output_text + output_audio + output_image,
        cached,
        cache_write,
        uncached,
        text_in,
        audio_in,
        image_in,
        cached_text,
        cached_audio,
        cached_image,
        output_text,
        output_audio,
        output_image,
        requests,
    )


def _container_seconds(combo: Combo, d: bytes) -> tuple[int, ...]:
    # Multiples of 72 s: at $0.05 per container-hour that is exactly 0.1 cent each.
    return (72 * (1 + u32(d, 4) % combo.volume),)


def _workspace(key: str, workspace_id: str | None, volume: int, activity: int) -> Combo:
    dims: dict[str, Dimension] = {"workspace_id": workspace_id}
    return Combo(key, MappingProxyType(dims), volume, activity)


_CODE_EXECUTION_COMBOS = (
    _workspace("code-execution/prod", "wrkspc_01SimProdWorkspace00001", 150, 25),
    _workspace("code-execution/default", None, 60, 15),
)

_DATASETS: dict[tuple[Provider, str], Dataset] = {
    ("anthropic", "messages"): Dataset(
        "anthropic",
        "messages",
        ANTHROPIC_DIMENSIONS,
        ANTHROPIC_METRICS,
        ANTHROPIC_COMBOS,
        _anthropic_metrics,
    ),
    ("anthropic", CODE_EXECUTION): Dataset(
        "anthropic",
        CODE_EXECUTION,
        ("workspace_id",),
        ("container_seconds",),
        _CODE_EXECUTION_COMBOS,
        _container_seconds,
    ),
    ("openai", "completions"): Dataset(
        "openai", "completions", OPENAI_DIMENSIONS, OPENAI_METRICS, OPENAI_COMBOS, _openai_metrics
    ),
    **{
        ("openai", name): Dataset(
            "openai", name, spec.dimensions, spec.metrics, spec.combos, spec.measure
        )
        for name, spec in OPENAI_ENDPOINT_SPECS.items()
    },
}
