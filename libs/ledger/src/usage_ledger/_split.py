"""The reported side of the cost check, split into comparable and not estimable.

The scope of a reported line is its day x project on the days compared per project (the
days where both usage and cost carry project ids, i.e. both were fetched grouped by
project), else its whole day. In its scope, the line's `Rule` (`_rules`) decides whether
it is comparable, not estimable (listed with its reason), or comparable but unsplittable
(its day x project is INCOMPLETE).

Every reported dollar is therefore either compared or listed: comparable + not estimable
= reported, per line and in total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from usage_common import Provider

from ._rows import ReportedCost, UsageGroup, add_amount
from ._rules import rule_for, web_search_reason
from ._types import Key

__all__ = ["CostSplit", "SetAside", "split_reported"]


@dataclass(frozen=True)
class SetAside:
    """Reported cost on one day x project and line that is not simply compared: not
    estimable (listed, never compared), or what makes its day x project INCOMPLETE."""

    day: date
    project_id: str | None
    line: str
    reason: str
    cost_usd: Decimal


@dataclass(frozen=True)
class CostSplit:
    """The reported side, split (see the module docstring).

    `comparable` and `not_estimable` sum per (day, project) to the reported cost;
    `project_days` are the days compared per project.
    """

    comparable: dict[Key, Decimal]
    not_estimable: dict[Key, Decimal]
    not_estimable_lines: tuple[SetAside, ...]
    incomplete: tuple[SetAside, ...]
    project_days: frozenset[date]

    @property
    def incomplete_keys(self) -> frozenset[Key]:
        return frozenset((i.day, i.project_id) for i in self.incomplete)


def split_reported(
    provider: Provider, usage: Iterable[UsageGroup], reported: Iterable[ReportedCost]
) -> CostSplit:
    """Split reported cost per (day, project) into comparable and not estimable, and find
    the cells whose estimate cannot be checked (see the module docstring)."""
    groups = list(usage)
    costs = list(reported)
    project_days = frozenset(g.day for g in groups if g.project_id is not None) & frozenset(
        c.day for c in costs if c.project_id is not None
    )
    scopes: dict[Key, list[UsageGroup]] = {}
    for g in groups:
        scopes.setdefault((g.day, g.project_id if g.day in project_days else None), []).append(g)

    comparable: dict[Key, Decimal] = {}
    not_estimable: dict[Key, Decimal] = {}
    listed: dict[tuple[Key, str, str], Decimal] = {}
    incomplete: dict[tuple[Key, str, str], Decimal] = {}
    for cost in costs:
        key = (cost.day, cost.project_id)
        scope = scopes.get((cost.day, cost.project_id if cost.day in project_days else None), [])
        rule = rule_for(provider, cost)
        if rule.unsplit:
            assert rule.reason is not None
            add_amount(incomplete, (key, rule.line, rule.reason), cost.cost_usd)
            reason = None  # counted as comparable; its cell is INCOMPLETE
        elif rule.web_search:
            reason, mixed = web_search_reason(scope)
            if mixed is not None:
                add_amount(incomplete, (key, rule.line, mixed), cost.cost_usd)
        elif rule.model is not None:
            reason = rule.model_reason(scope)
        else:
            reason = rule.reason
        if reason is None:
            add_amount(comparable, key, cost.cost_usd)
        else:
            add_amount(not_estimable, key, cost.cost_usd)
            add_amount(listed, (key, rule.line, reason), cost.cost_usd)
    return CostSplit(
        comparable,
        not_estimable,
        _set_aside(listed),
        _set_aside(incomplete),
        project_days,
    )


def _set_aside(amounts: Mapping[tuple[Key, str, str], Decimal]) -> tuple[SetAside, ...]:
    items = [SetAside(day, project, line, reason, amount)
             for ((day, project), line, reason), amount in amounts.items()]  # fmt: skip
    return tuple(
        sorted(items, key=lambda a: (a.day, a.project_id is not None, a.project_id or "", a.line))
    )
