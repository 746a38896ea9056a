"""Normalizer: `RawPage`s -> canonical `UsageEvent`s, or dead letters."""

from .mapping import MAPPERS
from .normalize import NormalizeResult, Topics, normalize_message, normalize_page

__all__ = ["MAPPERS", "NormalizeResult", "Topics", "normalize_message", "normalize_page"]
