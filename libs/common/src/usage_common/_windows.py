"""The usage window a raw page covers, derived from the query parameters it was fetched with.

Replay selects pages by window, and the wire model has no window field: the request
parameters already say it, so it is derived here rather than sent twice (old pages stay
readable and need no migration).

| Endpoint shape | Parameters | Window |
|---|---|---|
| Anthropic reports | `starting_at`, `ending_at` (RFC 3339) | `[starting_at, ending_at)` |
| Anthropic Claude Code | `starting_at` (a date) | that UTC day |
| OpenAI usage and costs | `start_time`, `end_time` (unix seconds) | `[start_time, end_time)` |
| Console CSV chunks | none | unknown (`None`): overlaps every range |

A CSV chunk's dates are in its rows, which only the normalizer reads; treating it as
overlapping every range means a ranged replay re-sends it, which the guarded upsert makes
harmless, whereas skipping it could miss history.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ._models import RawPage
from ._time import parse_instant

__all__ = ["PageWindow", "page_window", "window_overlaps"]

PageWindow = tuple[datetime, datetime | None]
"""`[start, end)`; `end` is None when the request gave no end (open to the future)."""


def _param(page: RawPage, name: str) -> str | None:
    return next((v for k, v in page.request_params if k == name), None)


def page_window(page: RawPage) -> PageWindow | None:
    """The window the page's request asked for, or None when the request does not say."""
    try:
        start_unix = _param(page, "start_time")
        if start_unix is not None:
            end_unix = _param(page, "end_time")
            start = datetime.fromtimestamp(int(start_unix), UTC)
            return start, None if end_unix is None else datetime.fromtimestamp(int(end_unix), UTC)
        starting_at = _param(page, "starting_at")
        if starting_at is None:
            return None
        begin = parse_instant(starting_at)
        ending_at = _param(page, "ending_at")
        if ending_at is not None:
            return begin, parse_instant(ending_at)
        if len(starting_at.strip()) == 10:  # a date: Claude Code's one UTC day
            return begin, begin + timedelta(days=1)
        return begin, None
    except ValueError:
        # A parameter that does not read as a time: unknown, so replay keeps the page.
        return None


def window_overlaps(
    window: PageWindow | None, since: datetime | None, until: datetime | None
) -> bool:
    """Whether `[since, until)` (either side open when None) meets the window."""
    if window is None:
        return True
    start, end = window
    if until is not None and start >= until:
        return False
    return not (since is not None and end is not None and end <= since)
