"""Deterministic synthetic usage: the single source of truth for every number served.

Rules (see `catalogue`, `openai_endpoints` and `datasets` for the combos):

- For each (hour, combo) a blake2b digest of (seed, provider, hour start, combo key)
  decides whether the combo was active and, if so, its metrics. Python's `hash`
  is salted per process, so it is never used.
- Whole days (about 1 in 10) and hours (about 1 in 5) are quiet for every endpoint of
  a provider, and night hours (00-05 UTC) are half as busy, so empty buckets and
  sparse results occur at every width.
- An active combo's hour of usage is one record stamped at a single minute of that
  hour. 1m, 1h and 1d buckets are therefore sums of the same records and agree
  exactly under any group_by.

Everything here is pure: no clock, no I/O. Tests use `expected_totals`,
`expected_usage_totals` and `expected_row_count` to check what the endpoints return.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .buckets import BucketWidth, snap
from .catalogue import Combo, Dimension, Provider
from .datasets import ANTHROPIC_METRICS, OPENAI_METRICS, Dataset, dataset_for
from .digests import digest

__all__ = [
    "ANTHROPIC_METRICS",
    "OPENAI_METRICS",
    "OPENAI_TOTALS",
    "Filters",
    "Row",
    "UsageRecord",
    "aggregate",
    "expected_row_count",
    "expected_totals",
    "expected_usage_totals",
    "generate",
    "metric_names",
    "select_combos",
    "utc",
]

Filters = Mapping[str, Collection[Dimension]]
"""Dimension name -> accepted values; a record passes if every filter accepts it."""

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


def metric_names(provider: Provider, endpoint: str | None = None) -> tuple[str, ...]:
    return dataset_for(provider, endpoint).metrics


def select_combos(
    provider: Provider, filters: Filters | None = None, *, endpoint: str | None = None
) -> tuple[Combo, ...]:
    dataset = dataset_for(provider, endpoint)
    if not filters:
        return dataset.combos
    for name in filters:
        if name not in dataset.dimensions:
            raise ValueError(f"{provider} {dataset.endpoint} has no dimension {name!r}")
    return tuple(
        combo
        for combo in dataset.combos
        if all(combo.dims[name] in accepted for name, accepted in filters.items())
    )


def generate(
    provider: Provider,
    since: datetime,
    until: datetime,
    seed: int,
    combos: Iterable[Combo] | None = None,
    *,
    endpoint: str | None = None,
) -> list[UsageRecord]:
    """Records stamped in [since, until), oldest first, for `combos` (default: all).

    `endpoint` picks the dataset: None is messages (Anthropic) / completions (OpenAI).
    """
    since, until = utc(since), utc(until)
    dataset = dataset_for(provider, endpoint)
    chosen = tuple(dataset.combos if combos is None else combos)
    records: list[UsageRecord] = []
    hour = snap(since, "1h")
    quiet_days: dict[int, bool] = {}
    while hour < until:
        hour_epoch = int(hour.timestamp())
        day_epoch = hour_epoch - hour_epoch % 86_400
        quiet_day = quiet_days.get(day_epoch)
        if quiet_day is None:
            quiet_day = digest(seed, provider, day_epoch, "#day")[0] % _QUIET_DAY_ONE_IN == 0
            quiet_days[day_epoch] = quiet_day
        if not quiet_day and (
            digest(seed, provider, hour_epoch, "#hour")[0] % _QUIET_HOUR_ONE_IN != 0
        ):
            _active_records(dataset, chosen, seed, hour, since, until, records)
        hour += _HOUR
    return records


def aggregate(
    provider: Provider,
    records: Iterable[UsageRecord],
    width: BucketWidth,
    group_by: Collection[str] = (),
    *,
    endpoint: str | None = None,
) -> dict[datetime, list[Row]]:
    """Sum records per (bucket start, grouped dimension values); rows sorted stably."""
    names = metric_names(provider, endpoint)
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
    sums = expected_usage_totals(provider, None, since, until, seed)
    wanted = ANTHROPIC_METRICS if provider == "anthropic" else OPENAI_TOTALS
    return {name: sums[name] for name in wanted}


def expected_usage_totals(
    provider: Provider, endpoint: str | None, since: datetime, until: datetime, seed: int
) -> dict[str, int]:
    """Exact sums over [since, until) of every metric one usage endpoint serves.

    `endpoint` is `messages` (Anthropic) or the `/organization/usage/{X}` segment
    (OpenAI); None means messages / completions. Keys are the result's metric fields,
    except Anthropic's cache writes, which are `cache_write_5m` and `cache_write_1h`.
    """
    names = metric_names(provider, endpoint)
    sums = dict.fromkeys(names, 0)
    for record in generate(provider, since, until, seed, endpoint=endpoint):
        for name, value in zip(names, record.metrics, strict=True):
            sums[name] += value
    return sums


def expected_row_count(
    provider: Provider,
    since: datetime,
    until: datetime,
    seed: int,
    *,
    bucket_width: BucketWidth = "1h",
    group_by: Collection[str] = (),
    filters: Filters | None = None,
    endpoint: str | None = None,
) -> int:
    """Number of result rows the API returns over [since, until) (empty buckets add 0)."""
    combos = select_combos(provider, filters, endpoint=endpoint)
    records = generate(provider, since, until, seed, combos, endpoint=endpoint)
    buckets = aggregate(provider, records, bucket_width, group_by, endpoint=endpoint)
    return sum(len(rows) for rows in buckets.values())


def utc(at: datetime) -> datetime:
    """`at` in UTC; a naive datetime is refused rather than guessed."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no timezone; the simulator works in UTC")
    return at.astimezone(UTC)


def _active_records(
    dataset: Dataset,
    combos: tuple[Combo, ...],
    seed: int,
    hour: datetime,
    since: datetime,
    until: datetime,
    out: list[UsageRecord],
) -> None:
    hour_epoch = int(hour.timestamp())
    night = hour.hour in _NIGHT_HOURS
    for combo in combos:
        d = digest(seed, dataset.provider, hour_epoch, combo.key)
        threshold = combo.activity // 2 if night else combo.activity
        if d[0] % 100 >= threshold:
            continue
        at = hour + timedelta(minutes=d[1] % 60)
        if since <= at < until:
            out.append(UsageRecord(at, combo, dataset.measure(combo, d)))


def _row_order(item: tuple[tuple[Dimension, ...], list[int]]) -> tuple[tuple[bool, str], ...]:
    # None sorts first; str() makes bools and strings comparable.
    return tuple((value is not None, str(value)) for value in item[0])
