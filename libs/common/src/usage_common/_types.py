"""Closed sets shared by every stage, defined once."""

from __future__ import annotations

from typing import Literal

__all__ = [
    "BucketWidth",
    "CostSource",
    "Provider",
    "Source",
    "UsageType",
]

Provider = Literal["openai", "anthropic"]
Source = Literal["admin_api", "console_csv"]
BucketWidth = Literal["1m", "1h", "1d"]
CostSource = Literal["reported", "estimated"]
UsageType = Literal[
    "messages",
    "completions",
    "embeddings",
    "images",
    "audio_speeches",
    "audio_transcriptions",
    "moderations",
    "vector_stores",
    "code_interpreter_sessions",
    "file_search_calls",
    "web_search_calls",
    "claude_code",
]
