"""Deterministic synthetic usage: the single source of truth for every number served.

Rules (see `catalogue` for the combos):

- For each (hour, combo) a blake2b digest of (seed, provider, hour start, combo key)
  decides whether the combo was active and, if so, its token counts. Python's `hash`
  is salted per process, so it is never used.
- Whole days (about 1 in 10) and hours (about 1 in 5) are quiet, and night hours
  (00-05 UTC) are half as busy, so empty buckets and sparse results occur at every width.
- An active combo's hour of usage is one record stamped at a single minute of that
  hour. 1m, 1h and 1d buckets are therefore sums of the same records and agree
  exactly under any group_by.

Everything here is pure: no clock, no I/O. Tests use `expected_totals` and
`expected_row_count` to check what the HTTP endpoints return.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .buckets import BucketWidth, snap
from .catalogue import Combo, Dimension, Provider, combos_for, dimensions_for

__all__ = [
    "ANTHROPIC_METRICS",
    "ANTHROPIC_TOTALS",
    "OPENAI_METRICS",
    "OPENAI_TOTALS",
    "Filters",
    "Row",
    "UsageRecord",
    "aggregate",
    "expected_row_count",
    "expected_totals",
    "generate",
    "metric_names",
    "select_combos",
]

Filters = Mapping[str, Collection[Dimension]]
"""Dimension name -> accepted values; a record passes if every filter accepts it."""

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
ANTHROPIC_TOTALS = ANTHROPIC_METRICS
OPENAI_TOTALS: tuple[str, ...] = (
    "input_tokens",
    "input_cached_tokens",
    "input_cache_write_tokens",
    "input_uncached_tokens",
    "output_tokens",
    "num_model_requests",
)

_HOUR = timedelta(hours=1)
_QUIET_DAY_ONE_IN = 10
_QUIET_HOUR_ONE_IN = 5
_NIGHT_HOURS = range(6)


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One combo's usage in one hour, stamped at the minute it happened."""

    at: datetime
    combo: Combo
    metrics: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Row:
    """One aggregated result: the grouped dimensions and the summed metrics."""

    dims: Mapping[str, Dimension]
    metrics: Mapping[str, int]


def metric_names(provider: Provider) -> tuple[str, ...]:
    return ANTHROPIC_METRICS if provider == "anthropic" else OPENAI_METRICS


def select_combos(provider: Provider, filters: Filters | None = None) -> tuple[Combo, ...]:
    combos = combos_for(provider)
    if not filters:
        return combos
    known = dimensions_for(provider)
    for name in filters:
        if name not in known:
            raise ValueError(f"{provider} has no dimension {name!r}")
    return tuple(
        combo
        for combo in combos
        if all(combo.dims[name] in accepted for name, accepted in filters.items())
    )


def generate(
    provider: Provider,
    since: datetime,
    until: datetime,
    seed: int,
    combos: Iterable[Combo] | None = None,
) -> list[UsageRecord]:
    """Records stamped in [since, until), oldest first, for `combos` (default: all)."""
    since, until = _utc(since), _utc(until)
    chosen = tuple(combos_for(provider) if combos is None else combos)
    records: list[UsageRecord] = []
    hour = snap(since, "1h")
    quiet_days: dict[int, bool] = {}
    while hour < until:
        hour_epoch = int(hour.timestamp())
        day_epoch = hour_epoch - hour_epoch % 86_400
        quiet_day = quiet_days.get(day_epoch)
        if quiet_day is None:
            quiet_day = _digest(seed, provider, day_epoch, "#day")[0] % _QUIET_DAY_ONE_IN == 0
            quiet_days[day_epoch] = quiet_day
        if not quiet_day and (
            _digest(seed, provider, hour_epoch, "#hour")[0] % _QUIET_HOUR_ONE_IN != 0
        ):
            night = hour.hour in _NIGHT_HOURS
            for combo in chosen:
                digest = _digest(seed, provider, hour_epoch, combo.key)
                threshold = combo.activity // 2 if night else combo.activity
                if digest[0] % 100 >= threshold:
                    continue
                at = hour + timedelta(minutes=digest[1] % 60)
                if since <= at < until:
                    records.append(UsageRecord(at, combo, _metrics(provider, combo, digest)))
        hour += _HOUR
    return records


def aggregate(
    provider: Provider,
    records: Iterable[UsageRecord],
    width: BucketWidth,
    group_by: Collection[str] = (),
) -> dict[datetime, list[Row]]:
    """Sum records per (bucket start, grouped dimension values); rows sorted stably."""
    names = metric_names(provider)
    keys = tuple(group_by)
    sums: dict[datetime, dict[tuple[Dimension, ...], list[int]]] = {}
    for record in records:
        groups = sums.setdefault(snap(record.at, width), {})
        key = tuple(record.combo.dims[name] for name in keys)
        totals = groups.get(key)
        if totals is None:
            groups[key] = list(record.metrics)
        else:
            for index, value in enumerate(record.metrics):
                totals[index] += value
    return {
        start: [
            Row(dict(zip(keys, key, strict=True)), dict(zip(names, totals, strict=True)))
            for key, totals in sorted(groups.items(), key=_row_order)
        ]
        for start, groups in sorted(sums.items())
    }


def expected_totals(
    provider: Provider, since: datetime, until: datetime, seed: int
) -> dict[str, int]:
    """Exact sums over [since, until) of the provider's total metrics.

    anthropic: uncached_input_tokens, cache_write_5m, cache_write_1h,
    cache_read_input_tokens, output_tokens, web_search_requests.
    openai: input_tokens, input_cached_tokens, input_cache_write_tokens,
    input_uncached_tokens, output_tokens, num_model_requests.
    """
    names = metric_names(provider)
    wanted = ANTHROPIC_TOTALS if provider == "anthropic" else OPENAI_TOTALS
    sums = dict.fromkeys(names, 0)
    for record in generate(provider, since, until, seed):
        for name, value in zip(names, record.metrics, strict=True):
            sums[name] += value
    return {name: sums[name] for name in wanted}


def expected_row_count(
    provider: Provider,
    since: datetime,
    until: datetime,
    seed: int,
    *,
    bucket_width: BucketWidth = "1h",
    group_by: Collection[str] = (),
    filters: Filters | None = None,
) -> int:
    """Number of result rows the API returns over [since, until) (empty buckets add 0)."""
    records = generate(provider, since, until, seed, select_combos(provider, filters))
    buckets = aggregate(provider, records, bucket_width, group_by)
    return sum(len(rows) for rows in buckets.values())


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no timezone; the simulator works in UTC")
    return at.astimezone(UTC)


def _digest(seed: int, provider: str, epoch: int, key: str) -> bytes:
    message = f"{seed}|{provider}|{epoch}|{key}".encode()
    return hashlib.blake2b(message, digest_size=64).digest()


def _u32(digest: bytes, offset: int) -> int:
    return int.from_bytes(digest[offset : offset + 4], "big")


def _metrics(provider: Provider, combo: Combo, digest: bytes) -> tuple[int, ...]:
    if provider == "anthropic":
        return _anthropic_metrics(combo, digest)
    return _openai_metrics(combo, digest)


def _anthropic_metrics(combo: Combo, d: bytes) -> tuple[int, ...]:
    # Integer arithmetic only, so the numbers cannot drift across platforms' float libs.
    volume = combo.volume
    uncached = volume // 10 + _u32(d, 4) % volume
    write_5m = 0 if d[8] % 2 == 0 else _u32(d, 9) % (uncached // 2 + 1)
    write_1h = 0 if d[13] % 4 != 0 else _u32(d, 14) % (uncached // 4 + 1)
    cache_read = 0 if d[18] % 3 == 0 else _u32(d, 19) % (3 * uncached)
    output = uncached // 20 + _u32(d, 23) % (uncached // 3 + 1)
    web_searches = 0 if d[27] % 5 != 0 else 1 + d[28] % 40
    return (uncached, write_5m, write_1h, cache_read, output, web_searches)


def _openai_metrics(combo: Combo, d: bytes) -> tuple[int, ...]:
    volume = combo.volume
    audio = "audio" in combo.modalities
    image = "image" in combo.modalities
    text_in = volume // 10 + _u32(d, 4) % volume
    audio_in = _u32(d, 8) % volume if audio else 0
    image_in = _u32(d, 12) % volume if image else 0
    cached_text = 0 if d[16] % 3 == 0 else _u32(d, 17) % (text_in + 1)
    cached_audio = _u32(d, 21) % (audio_in // 4 + 1) if audio else 0
    cached_image = _u32(d, 25) % (image_in // 4 + 1) if image else 0
    cache_write = 0 if d[29] % 2 == 0 else _u32(d, 30) % (text_in // 4 + 1)
    output_text = text_in // 20 + _u32(d, 34) % (text_in // 4 + 1)
    output_audio = _u32(d, 38) % (audio_in // 2 + 1) if audio else 0
    output_image = (1 + d[42] % 16) * 4_160 if image else 0
    requests = 1 + _u32(d, 44) % (volume // 2_000 + 5)
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


def _row_order(item: tuple[tuple[Dimension, ...], list[int]]) -> tuple[tuple[bool, str], ...]:
    # None sorts first; str() makes bools and strings comparable.
    return tuple((value is not None, str(value)) for value in item[0])
