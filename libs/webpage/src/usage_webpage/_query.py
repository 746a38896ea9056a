"""What the page shows: a window of UTC days and, optionally, one bucket width.

The request's `since`, `until` (UTC dates or timestamps, as the CLI takes them) and
`bucket_width` are read here; a bad one is a `ConfigError` naming it. Without bounds the
window is the 30 days up to the end of the newest day holding usage (so a database whose
data stopped last month still opens on its data), or up to the end of today when there is
none; with one bound the other is 30 days away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from usage_common import BucketWidth, ConfigError, parse_instant

__all__ = ["DEFAULT_DAYS", "WIDTHS", "PageQuery"]

DEFAULT_DAYS = 30
WIDTHS: tuple[BucketWidth, ...] = ("1m", "1h", "1d")


def _midnight(value: datetime) -> datetime:
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class PageQuery:
    since: datetime | None = None
    until: datetime | None = None
    bucket_width: BucketWidth | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> PageQuery:
        """From a query string; empty fields (a submitted blank form) mean unset."""
        bounds: dict[str, datetime | None] = {}
        for name in ("since", "until"):
            text = params.get(name, "").strip()
            try:
                bounds[name] = parse_instant(text) if text else None
            except ValueError as exc:
                raise ConfigError(f"{name}: {exc}") from None
        width = params.get("bucket_width", "").strip() or None
        if width is not None and width not in WIDTHS:
            raise ConfigError(f"bucket_width must be one of {', '.join(WIDTHS)}, not {width!r}")
        query = cls(bounds["since"], bounds["until"], width)
        if query.since and query.until and query.since >= query.until:
            raise ConfigError(
                f"since {query.since.isoformat()} is not before until {query.until.isoformat()}"
            )
        return query

    def window(self, newest: datetime | None, now: datetime) -> tuple[datetime, datetime]:
        """[since, until) to show; `newest` is the start of the newest usage bucket."""
        span = timedelta(days=DEFAULT_DAYS)
        if self.since and self.until:
            return self.since, self.until
        if self.since:
            return self.since, self.since + span
        until = self.until or _midnight(newest or now) + timedelta(days=1)
        return until - span, until
