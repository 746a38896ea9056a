"""What the simulator served, in canonical terms: the exact totals the database must hold."""

from __future__ import annotations

from datetime import datetime

from usage_simulator import expected_totals

SEED = 42  # SimulatorConfig's default, used by `--simulate`


def canonical_totals(provider: str, since: datetime, until: datetime) -> dict[str, int]:
    raw = expected_totals(provider, since, until, SEED)  # type: ignore[arg-type]
    if provider == "anthropic":
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
    return {
        "input_tokens": raw["input_tokens"],
        "input_uncached_tokens": raw["input_uncached_tokens"],
        "input_cache_read_tokens": raw["input_cached_tokens"],
        "input_cache_write_tokens": raw["input_cache_write_tokens"],
        "input_cache_write_5m_tokens": 0,
        "input_cache_write_1h_tokens": 0,
        "output_tokens": raw["output_tokens"],
        "requests": raw["num_model_requests"],
        "web_search_requests": 0,
    }
