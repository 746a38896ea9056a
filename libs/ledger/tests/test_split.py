from __future__ import annotations

from decimal import Decimal

from usage_ledger import split_reported

from .factories import D1, D2, WS, WS2, aside, cost, group


def test_the_scope_is_the_project_when_both_sides_have_ids_else_the_whole_day() -> None:
    usage = [
        group("claude-opus-5", WS, priced=1),
        group("claude-opus-5", WS, priced=1, day=D2),
    ]
    reported = [
        # day 1 is compared per project: the default workspace (null) is its own project
        cost("1", WS, model="claude-opus-5", cost_type="tokens"),
        cost("2", None, model="claude-opus-5", cost_type="tokens"),
        # day 2: costs not grouped by workspace -> matched against the whole day's usage
        cost("3", None, D2, model="claude-opus-5", cost_type="tokens"),
    ]
    split = split_reported("anthropic", usage, reported)
    assert split.project_days == {D1}
    assert split.comparable == {(D1, WS): Decimal(1), (D2, None): Decimal(3)}
    assert aside(split) == [
        (None, "claude-opus-5", Decimal(2), "no usage rows of model claude-opus-5")
    ]


def test_every_reported_dollar_is_either_comparable_or_not_estimable() -> None:
    usage = [
        group("claude-opus-5", WS, priced=1, priced_searches=1),
        group("claude-experimental-1", WS, unpriced=1, unpriced_searches=1),
        group("claude-opus-5", None, priced=1, day=D2),
    ]
    reported = [
        cost("10", WS, model="claude-opus-5", cost_type="tokens"),
        cost("1", WS, cost_type="web_search"),  # comparable, but INCOMPLETE
        cost("4", WS2, model="claude-experimental-1", cost_type="tokens"),
        cost("0.25", WS2, cost_type="code_execution"),
        cost("3", None, D2),  # no description: comparable, INCOMPLETE
        cost("2", None, D2, model="claude-haiku-4-5", cost_type="tokens"),
    ]
    split = split_reported("anthropic", usage, reported)
    for key in {(c.day, c.project_id) for c in reported}:
        total = sum((c.cost_usd for c in reported if (c.day, c.project_id) == key), Decimal(0))
        parts = split.comparable.get(key, Decimal(0)) + split.not_estimable.get(key, Decimal(0))
        assert parts == total, key
    listed = sum((a.cost_usd for a in split.not_estimable_lines), Decimal(0))
    assert listed == sum(split.not_estimable.values()) == Decimal("6.25")
    assert split.incomplete_keys == {(D1, WS), (D2, None)}
