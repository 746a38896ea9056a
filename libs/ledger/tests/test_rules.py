"""The per-provider rules, seen through the split: which reported line is comparable, not
estimable (and why) or INCOMPLETE."""

from __future__ import annotations

from decimal import Decimal

import pytest

from usage_ledger import model_key, split_reported

from .factories import D1, WS, WS2, aside, cost, group


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("GPT-4o", "gpt-4o"),
        ("claude-sonnet-4-5", "claude-sonnet-4-5"),  # no date: unchanged
        ("o1-2024-12", "o1-2024-12"),  # not a full date
    ],
)
def test_model_ids_match_without_their_date(model: str, key: str) -> None:
    assert model_key(model) == key


def test_anthropic_token_lines_are_comparable_only_with_priced_usage_of_their_model() -> None:
    usage = [
        group("claude-opus-5", priced=3),
        group("claude-3-5-haiku-20241022", priced=1),
        group("claude-experimental-1", unpriced=2),
    ]
    reported = [
        cost("10", model="claude-opus-5", cost_type="tokens"),
        cost("1", model="claude-3-5-haiku", cost_type="tokens"),  # undated id: same model
        cost("4", model="claude-experimental-1", cost_type="tokens"),  # known to no price
        cost("0.5", model="claude-haiku-4-5", cost_type="tokens"),  # no usage at all
        cost("0.25", cost_type="code_execution", line_item="Code Execution Usage"),
        cost("0.125", cost_type="session_usage"),
    ]
    split = split_reported("anthropic", usage, reported)
    assert split.comparable == {(D1, WS): Decimal(11)}
    assert split.not_estimable == {(D1, WS): Decimal("4.875")}
    assert aside(split) == [
        (WS, "claude-experimental-1", Decimal(4), "no price for model claude-experimental-1"),
        (WS, "claude-haiku-4-5", Decimal("0.5"), "no usage rows of model claude-haiku-4-5"),
        (WS, "code_execution", Decimal("0.25"), "code execution has no usage to estimate from"),
        (WS, "session_usage", Decimal("0.125"), "session usage has no usage to estimate from"),
    ]
    assert split.incomplete == ()


def test_a_web_search_line_is_comparable_with_priced_searches_and_incomplete_when_mixed() -> None:
    usage = [
        # WS: priced searches only -> comparable
        group("claude-opus-5", priced=2, priced_searches=1),
        # WS2: priced and unpriced searches -> the one line cannot be split
        group("claude-opus-5", WS2, priced=2, priced_searches=2),
        group("claude-experimental-1", WS2, unpriced=1, unpriced_searches=1),
        # default workspace: unpriced searches only -> not estimable
        group("claude-experimental-1", None, unpriced=3, unpriced_searches=2),
        group("claude-opus-5", None, priced=1),  # priced, but no searches
    ]
    reported = [
        cost("1", cost_type="web_search", line_item="Web Search Usage"),
        cost("2", WS2, cost_type="web_search", line_item="Web Search Usage"),
        cost("3", None, cost_type="web_search", line_item="Web Search Usage"),
    ]
    split = split_reported("anthropic", usage, reported)
    assert split.comparable == {(D1, WS): Decimal(1), (D1, WS2): Decimal(2)}
    assert aside(split) == [
        (None, "web_search", Decimal(3),
         "web searches of unpriced usage only (claude-experimental-1)"),
    ]  # fmt: skip
    assert [(i.project_id, i.line, i.cost_usd) for i in split.incomplete] == [
        (WS2, "web_search", Decimal(2))
    ]
    assert "cannot be split (unpriced: claude-experimental-1)" in split.incomplete[0].reason
    assert split.incomplete_keys == {(D1, WS2)}


def test_a_web_search_line_without_priced_searches_is_not_estimable() -> None:
    usage = [group("claude-opus-5", priced=2)]  # priority-tier searches are not counted
    split = split_reported("anthropic", usage, [cost("1", cost_type="web_search")])
    assert aside(split) == [(WS, "web_search", Decimal(1), "no priced usage with web searches")]


def test_openai_lines_match_the_model_before_the_comma_and_the_kind_of_the_label() -> None:
    usage = [
        group("gpt-4o", usage_type="completions", priced=4),  # undated id in usage
        group("gpt-4o-2024-08-06", usage_type="web_search_calls", unpriced=2),
        group("text-embedding-3-small", usage_type="embeddings", priced=1),
        group("tts-1", usage_type="audio_speeches", priced=1),
        group("gpt-image-1", usage_type="images", unpriced=1),
        group("gpt-internal-preview", usage_type="completions", unpriced=1),
        group(None, usage_type="code_interpreter_sessions", unpriced=1),
    ]
    reported = [
        cost("5", line_item="gpt-4o-2024-08-06, input"),
        cost("2", line_item="gpt-4o-2024-08-06, batch cached input"),
        cost("1", line_item="text-embedding-3-small, input"),
        cost("0.5", line_item="tts-1, characters"),
        # a priced completions row of gpt-4o does not make its tool calls comparable
        cost("7", line_item="gpt-4o-2024-08-06, web search tool calls"),
        cost("3", line_item="gpt-image-1, images 1024x1024"),
        cost("0.75", line_item="gpt-internal-preview, output"),
        cost("0.03", line_item="code interpreter sessions"),
        cost("0.01", line_item="whisper-1, audio"),  # no transcription usage
    ]
    split = split_reported("openai", usage, reported)
    assert split.comparable == {(D1, WS): Decimal("8.5")}
    assert aside(split) == [
        (WS, "code interpreter sessions", Decimal("0.03"),
         "not model usage: the estimator does not price it"),
        (WS, "gpt-4o-2024-08-06, web search tool calls", Decimal(7),
         "no price for web_search_calls of model gpt-4o-2024-08-06"),
        (WS, "gpt-image-1, images 1024x1024", Decimal(3),
         "no price for images of model gpt-image-1"),
        (WS, "gpt-internal-preview, output", Decimal("0.75"),
         "no price for model gpt-internal-preview"),
        (WS, "whisper-1, audio", Decimal("0.01"),
         "no audio_transcriptions rows of model whisper-1"),
    ]  # fmt: skip


def test_lines_without_a_description_cannot_be_split() -> None:
    usage = [group("gpt-4o", usage_type="completions", priced=1)]
    split = split_reported("openai", usage, [cost("9")])
    assert split.comparable == {(D1, WS): Decimal(9)}  # counted, but its cell is INCOMPLETE
    assert [(i.line, i.cost_usd) for i in split.incomplete] == [("(no line item)", Decimal(9))]
    split = split_reported("anthropic", [group("claude-opus-5", priced=1)], [cost("9")])
    assert split.incomplete_keys == {(D1, WS)}
