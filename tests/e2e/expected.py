"""What the simulator served, in canonical terms: the exact totals the database must hold."""

from __future__ import annotations

from datetime import datetime

from usage_simulator import expected_usage_totals

SEED = 42  # SimulatorConfig's default, used by `--simulate`

# OpenAI endpoint -> (metric counted as requests, metric counted as web search requests)
_OPENAI_REQUESTS = {
    "completions": "num_model_requests",
    "embeddings": "num_model_requests",
    "moderations": "num_model_requests",
    "images": "num_model_requests",
    "audio_speeches": "num_model_requests",
    "audio_transcriptions": "num_model_requests",
    "file_search_calls": "num_requests",
    "web_search_calls": "num_model_requests",
}


def canonical_totals(provider: str, since: datetime, until: datetime) -> dict[str, int]:
    """Report totals over every usage endpoint, per docs/mapping.md."""
    if provider == "anthropic":
        raw = expected_usage_totals("anthropic", "messages", since, until, SEED)
        write = raw["cache_write_5m"] + raw["cache_write_1h"]
        return {
            "input_tokens": raw["uncached_input_tokens"] + raw["cache_read_input_tokens"] + write,
            "input_uncached_tokens": raw["uncached_input_tokens"],
            "input_cache_read_tokens": raw["cache_read_input_tokens"],
            "input_cache_write_tokens": write,
            "input_cache_write_5m_tokens": raw["cache_write_5m"],
            "input_cache_write_1h_tokens": raw["cache_write_1h"],
            "output_tokens": raw["output_tokens"],
            "requests": 0,
            "web_search_requests": raw["web_search_requests"],
        }
    c = expected_usage_totals("openai", "completions", since, until, SEED)
    uncached_only = sum(
        expected_usage_totals("openai", e, since, until, SEED)["input_tokens"]
        for e in ("embeddings", "moderations")
    )
    requests = sum(
        expected_usage_totals("openai", e, since, until, SEED)[metric]
        for e, metric in _OPENAI_REQUESTS.items()
    )
    searches = expected_usage_totals("openai", "web_search_calls", since, until, SEED)
    return {
        "input_tokens": c["input_tokens"] + uncached_only,
        "input_uncached_tokens": c["input_uncached_tokens"] + uncached_only,
        "input_cache_read_tokens": c["input_cached_tokens"],
        "input_cache_write_tokens": c["input_cache_write_tokens"],
        "input_cache_write_5m_tokens": 0,
        "input_cache_write_1h_tokens": 0,
        "output_tokens": c["output_tokens"],
        "requests": requests,
        "web_search_requests": searches["num_requests"],
    }
