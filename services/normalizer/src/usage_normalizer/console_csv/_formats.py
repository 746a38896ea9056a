"""The four console exports, every header version seen, and telling them apart.

Sources: docs/reference provider-apis.md §3 (third-party samples; the columns are not
documented by the providers). A header is matched as a *set* of columns: the order is
not relied upon. A header that is not exactly a listed version is still read when every
column is known and the required ones are there (`version` is then None); a column that
no version has is refused by name, because a new column may change what the others mean.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from usage_common import InvalidPayloadError

__all__ = [
    "ANTHROPIC_COST",
    "ANTHROPIC_USAGE",
    "FORMATS",
    "OPENAI_COST",
    "OPENAI_TIME_COLUMNS",
    "OPENAI_USAGE",
    "Detected",
    "ExportFormat",
    "HeaderVersion",
    "Kind",
    "detect_export",
    "resolve_format",
]

Kind = Literal["usage", "cost"]


@dataclass(frozen=True, slots=True)
class HeaderVersion:
    name: str
    description: str
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    provider: Literal["anthropic", "openai"]
    kind: Kind
    versions: tuple[HeaderVersion, ...]
    required: frozenset[str]
    """Columns every header must have."""
    required_with_data: frozenset[str] = frozenset()
    """Columns required as soon as the header has more than `required` (OpenAI: a file
    of empty buckets has only the four time columns)."""
    exclusive: tuple[frozenset[str], ...] = ()
    """Groups of columns of which a header may hold at most one group."""

    @property
    def columns(self) -> frozenset[str]:
        return frozenset(c for v in self.versions for c in v.columns)

    @property
    def title(self) -> str:
        name = "an Anthropic" if self.provider == "anthropic" else "an OpenAI"
        return f"{name} {self.kind} export"

    def problems(self, header: frozenset[str]) -> list[str]:
        """What keeps `header` from being this export; empty when it is one."""
        out = []
        unknown = sorted(header - self.columns)
        if unknown:
            out.append(f"unknown column(s) {', '.join(unknown)}")
        required = set(self.required)
        if header - self.required:
            required |= self.required_with_data
        missing = sorted(required - header)
        if missing:
            out.append(f"missing required column(s) {', '.join(missing)}")
        present = [sorted(g & header) for g in self.exclusive if g & header]
        if len(present) > 1:
            groups = " and ".join(", ".join(g) for g in present)
            out.append(f"both {groups}: a file has one or the other")
        return out

    def version_of(self, header: frozenset[str]) -> str | None:
        for version in self.versions:
            if frozenset(version.columns) == header:
                return version.name
        return None


_ANTHROPIC_USAGE_BASE = ("usage_date_utc", "model_version", "api_key", "workspace", "usage_type")
_SPLIT_WRITE = ("usage_input_tokens_cache_write_5m", "usage_input_tokens_cache_write_1h")

ANTHROPIC_USAGE = ExportFormat(
    provider="anthropic",
    kind="usage",
    versions=(
        HeaderVersion(
            "v1",
            "oldest: one unsplit cache-write column",
            (
                *_ANTHROPIC_USAGE_BASE,
                "usage_input_tokens_no_cache",
                "usage_input_tokens_cache_write",
                "usage_input_tokens_cache_read",
                "usage_output_tokens",
                "web_search_count",
            ),
        ),
        HeaderVersion(
            "v2",
            "2025-06: cache writes split 5m/1h; no context_window, inference_geo, speed",
            (
                *_ANTHROPIC_USAGE_BASE,
                "usage_input_tokens_no_cache",
                *_SPLIT_WRITE,
                "usage_input_tokens_cache_read",
                "usage_output_tokens",
                "web_search_count",
            ),
        ),
        HeaderVersion(
            "v3",
            "2026: + context_window, inference_geo, speed",
            (
                *_ANTHROPIC_USAGE_BASE,
                "context_window",
                "usage_input_tokens_no_cache",
                *_SPLIT_WRITE,
                "usage_input_tokens_cache_read",
                "usage_output_tokens",
                "web_search_count",
                "inference_geo",
                "speed",
            ),
        ),
    ),
    required=frozenset(
        {
            *_ANTHROPIC_USAGE_BASE,
            "usage_input_tokens_no_cache",
            "usage_input_tokens_cache_read",
            "usage_output_tokens",
        }
    ),
    exclusive=(frozenset({"usage_input_tokens_cache_write"}), frozenset(_SPLIT_WRITE)),
)

_ANTHROPIC_COST_V1 = (
    "usage_date_utc",
    "model",
    "workspace",
    "api_key",
    "usage_type",
    "token_type",
    "cost_usd",
)
_ANTHROPIC_COST_V3 = (
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

ANTHROPIC_COST = ExportFormat(
    provider="anthropic",
    kind="cost",
    versions=(
        HeaderVersion(
            "v1", "2024-12: day, model, workspace, key, token type, cost", _ANTHROPIC_COST_V1
        ),
        HeaderVersion(
            "v2",
            "+ context_window, cost_type",
            (
                "usage_date_utc",
                "model",
                "workspace",
                "api_key",
                "usage_type",
                "context_window",
                "token_type",
                "cost_usd",
                "cost_type",
            ),
        ),
        HeaderVersion("v3", "+ list_price_usd, inference_geo, speed", _ANTHROPIC_COST_V3),
        HeaderVersion(
            "v4",
            "2026: + api_key_id, api_key_status",
            (*_ANTHROPIC_COST_V3, "api_key_id", "api_key_status"),
        ),
    ),
    required=frozenset(_ANTHROPIC_COST_V1),
)

OPENAI_TIME_COLUMNS = ("start_time", "end_time", "start_time_iso", "end_time_iso")
_OPENAI_USAGE_V1 = (
    *OPENAI_TIME_COLUMNS,
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
_EMPTY = HeaderVersion(
    "empty", "no usage in the range: the four time columns only", OPENAI_TIME_COLUMNS
)

OPENAI_USAGE = ExportFormat(
    provider="openai",
    kind="usage",
    versions=(
        _EMPTY,
        HeaderVersion("v1", "2025-10 completions export", _OPENAI_USAGE_V1),
        HeaderVersion(
            "v2", "+ input_cache_write_tokens", (*_OPENAI_USAGE_V1, "input_cache_write_tokens")
        ),
    ),
    required=frozenset(OPENAI_TIME_COLUMNS),
    required_with_data=frozenset({"input_tokens", "output_tokens", "num_model_requests"}),
)

_OPENAI_COST_V1 = (
    *OPENAI_TIME_COLUMNS,
    "amount_value",
    "amount_currency",
    "line_item",
    "project_id",
    "organization_id",
    "organization_name",
)

OPENAI_COST = ExportFormat(
    provider="openai",
    kind="cost",
    versions=(
        _EMPTY,
        HeaderVersion("v1", "2025-10 cost export", _OPENAI_COST_V1),
        HeaderVersion(
            "v2",
            "2026: + quantity, quantity_unit, user_id, api_key_id, project_name, user_email,"
            " api_source",
            (
                *_OPENAI_COST_V1,
                "quantity",
                "quantity_unit",
                "user_id",
                "api_key_id",
                "project_name",
                "user_email",
                "api_source",
            ),
        ),
    ),
    required=frozenset(OPENAI_TIME_COLUMNS),
    required_with_data=frozenset({"amount_value"}),
)

FORMATS: dict[tuple[str, str], ExportFormat] = {
    (f.provider, f.kind): f for f in (ANTHROPIC_USAGE, ANTHROPIC_COST, OPENAI_USAGE, OPENAI_COST)
}
"""(provider, kind) -> export format."""


@dataclass(frozen=True, slots=True)
class Detected:
    format: ExportFormat
    version: str | None
    """The listed header version, or None for another combination of known columns."""


def _score(fmt: ExportFormat, header: frozenset[str]) -> int:
    return len(header & fmt.columns) - len(header - fmt.columns)


def detect_export(header: Iterable[str]) -> Detected:
    """Which export (and version) a header is; raises when it is none of them."""
    columns = frozenset(header)
    for fmt in FORMATS.values():
        if not fmt.problems(columns):
            return Detected(fmt, fmt.version_of(columns))
    best = max(FORMATS.values(), key=lambda f: _score(f, columns))
    raise InvalidPayloadError(
        f"not a known console export; closest is {best.title}: {'; '.join(best.problems(columns))}"
    )


def resolve_format(provider: str, kind: str, header: Iterable[str]) -> Detected:
    """Check that `header` is the export the caller says it is, or say what it is."""
    requested = FORMATS.get((provider, kind))
    if requested is None:
        raise InvalidPayloadError(
            f"no console export for provider {provider!r} and kind {kind!r}"
            " (providers: anthropic, openai; kinds: usage, cost)"
        )
    columns = frozenset(header)
    problems = requested.problems(columns)
    if not problems:
        return Detected(requested, requested.version_of(columns))
    others = [f for f in FORMATS.values() if f is not requested]
    fitting = [f for f in others if not f.problems(columns)]
    closest = max(others, key=lambda f: _score(f, columns))
    other = fitting[0] if fitting else closest
    if fitting or _score(other, columns) > _score(requested, columns):
        if other.provider == requested.provider:
            wanted = f"not a {requested.kind} export"
        else:
            wanted = f"not {requested.title}"
        guess = "this is" if fitting else "this looks like"
        raise InvalidPayloadError(
            f"{guess} {other.title}, {wanted}: import it as provider {other.provider!r},"
            f" kind {other.kind!r}"
        )
    raise InvalidPayloadError(f"not {requested.title} as known: {'; '.join(problems)}")
