"""What a reconciliation reads: one provider, [since, until), optionally one organization
and one usage bucket width.

Cost reports are daily, so a bound that is not midnight UTC cuts its day: that day's
usage is partial while its cost report is left out (--since) or whole (--until).
`ReconcileQuery.notes` says so; the refusals that need the database (several widths,
several organizations against a CSV) are in `_queries`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from usage_common import BucketWidth, ConfigError, Provider

__all__ = ["ReconcileQuery"]

_PROVIDERS: tuple[Provider, ...] = ("anthropic", "openai")
_WIDTHS: tuple[BucketWidth, ...] = ("1m", "1h", "1d")


@dataclass(frozen=True)
class ReconcileQuery:
    """What to reconcile: one provider, [since, until), optionally one org and width.

    Raises ConfigError for an unknown provider or width, or an empty window.
    """

    provider: Provider
    since: datetime
    until: datetime
    bucket_width: BucketWidth | None = None
    organization_id: str | None = None

    def __post_init__(self) -> None:
        if self.provider not in _PROVIDERS:
            raise ConfigError(f"unknown provider {self.provider!r}; one of {', '.join(_PROVIDERS)}")
        if self.since >= self.until:
            raise ConfigError(
                f"--since {self.since.isoformat()} is not before --until {self.until.isoformat()}"
            )
        if self.bucket_width is not None and self.bucket_width not in _WIDTHS:
            raise ConfigError(f"--bucket-width must be one of {', '.join(_WIDTHS)}")

    def notes(self) -> list[str]:
        """Warnings about the selection: bounds inside a day compare partial days."""
        out = []
        if self.since.time() != time(0):
            out.append(
                f"--since {self.since.isoformat()} is not midnight UTC: that day's usage is"
                " partial and its cost report (which starts before --since) is left out"
            )
        if self.until.time() != time(0):
            out.append(
                f"--until {self.until.isoformat()} is not midnight UTC: that day's usage is"
                " partial but its whole cost report is in"
            )
        return out
