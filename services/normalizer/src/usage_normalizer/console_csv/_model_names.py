"""Anthropic model display names (cost CSVs) -> model ids, as the API reports them.

The rule, in order:
1. A value that already looks like an id (`claude-haiku-4-5-20251001`) is kept as is.
2. A trailing release date (`Claude 3.5 Sonnet 2024-10-22`) is cut off and appended
   back as `-20241022`, the way dated ids are written.
3. `DISPLAY_NAMES` holds the names the slug rule gets wrong: Claude 3 ids put the version
   before the family (`claude-3-7-sonnet`), and Claude 2 / Instant ids keep their dot.
4. Otherwise the slug rule: lowercase, every run of other characters becomes `-`
   (`Claude Haiku 4.5` -> `claude-haiku-4-5`, `Claude Opus 5` -> `claude-opus-5`).

A new model family therefore needs no code change unless its id breaks the slug rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["DISPLAY_NAMES", "model_id"]

DISPLAY_NAMES: Mapping[str, str] = {
    # Family-first display names of Claude 3 models, whose ids are version-first.
    "claude sonnet 3.7": "claude-3-7-sonnet",
    "claude sonnet 3.5": "claude-3-5-sonnet",
    "claude haiku 3.5": "claude-3-5-haiku",
    "claude opus 3": "claude-3-opus",
    "claude sonnet 3": "claude-3-sonnet",
    "claude haiku 3": "claude-3-haiku",
    # Ids with a dot.
    "claude 2": "claude-2.0",
    "claude 2.0": "claude-2.0",
    "claude 2.1": "claude-2.1",
    "claude instant 1.2": "claude-instant-1.2",
}
"""Display name (lowercased, single spaces) -> id, for the names the slug rule gets wrong."""

_ID = re.compile(r"[a-z0-9][a-z0-9.\-]*")
_DATED = re.compile(r"(?P<name>.*?)[\s_-]+(?P<y>\d{4})-?(?P<m>\d{2})-?(?P<d>\d{2})")


def model_id(text: str | None) -> str | None:
    """The model id for a console model cell; None for an empty cell."""
    if text is None or not text.strip():
        return None
    text = " ".join(text.split())
    if _ID.fullmatch(text):
        return text
    suffix = ""
    dated = _DATED.fullmatch(text)
    if dated:
        text = dated["name"]
        suffix = f"-{dated['y']}{dated['m']}{dated['d']}"
    known = DISPLAY_NAMES.get(text.lower())
    if known is not None:
        return known + suffix
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") + suffix
