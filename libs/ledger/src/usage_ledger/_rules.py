"""Per-provider cost-line rules: which reported lines an estimate can cover.

Some cost lines can never have an estimate (code execution, a model the price library
does not know, file search calls...). Each reported line gets a `Rule`, and the usage in
its scope (see `_split`) decides. A reported line is:

- comparable when usage in its scope has a PRICED row (`cost_source = 'estimated'`) of the
  same model and kind. Anthropic token lines (cost type `tokens`) match `messages` rows of
  their `model`; OpenAI lines `"<model>, <label>"` take the model before the first comma
  and the kind from the label: `... input` / `... output` -> token usage (completions,
  embeddings, moderations), `characters` -> audio_speeches, `audio` ->
  audio_transcriptions, `images ...` -> images, `web search tool calls` ->
  web_search_calls. Model ids match loosely: lower case, a trailing `-YYYYMMDD` or
  `-YYYY-MM-DD` dropped on both sides (`claude-3-5-haiku-20241022` = `claude-3-5-haiku`).
- comparable, for an Anthropic `web_search` line (no model), when its scope has priced
  `messages` rows with `web_search_requests > 0`. If the scope ALSO has unpriced rows with
  web searches, the one web-search line holds money of both and cannot be split: the line
  counts as comparable and its day x project is INCOMPLETE. Priority Tier rows do not
  count here: Anthropic bills Priority Tier outside the cost endpoint ("Priority Tier costs
  ... are not included in the cost endpoint"), so their searches are in no cost line (were
  they billed there after all, the line would show a DIFF, not pass silently).
- INCOMPLETE too when the line has no description at all (no cost type / model, no OpenAI
  line item): costs not grouped by description/line item cannot be split; the amount
  counts as comparable.
- otherwise not estimable: listed by day, project and line (model, line item or cost
  type) with the reason ("no price for model X", "code execution has no usage to estimate
  from", ...), shown in its line's ``not estimable`` column and never compared.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from usage_common import Provider

from ._rows import ReportedCost, UsageGroup

__all__ = ["model_key"]

_DATED_MODEL = re.compile(r"-(?:\d{8}|\d{4}-\d{2}-\d{2})$")
_OPENAI_TOKEN_TYPES = frozenset({"completions", "embeddings", "moderations"})
_ANTHROPIC_TOKEN_TYPES = frozenset({"messages"})
# Usage Anthropic bills outside the cost endpoint: its web searches are in no cost line.
OUTSIDE_COST_REPORT_TIERS = ("priority",)


def model_key(model: str) -> str:
    """A model id compared loosely: lower case, without a trailing date
    (`-YYYYMMDD` or `-YYYY-MM-DD`), so dated and undated ids of one model match."""
    return _DATED_MODEL.sub("", model.strip().lower())


@dataclass(frozen=True)
class Rule:
    """How one reported line is matched: by model and usage types, as web search, or not
    at all (`reason` set: not estimable; `unsplit`: INCOMPLETE)."""

    line: str
    model: str | None = None
    usage_types: frozenset[str] = frozenset()
    kind: str | None = None  # for reasons: None for tokens, else e.g. "images"
    web_search: bool = False
    reason: str | None = None
    unsplit: bool = False

    def model_reason(self, scope: Sequence[UsageGroup]) -> str | None:
        """None when a priced row of the line's model and kind is in scope, else why not."""
        assert self.model is not None
        wanted = model_key(self.model)
        same = [
            g
            for g in scope
            if g.usage_type in self.usage_types
            and g.model is not None
            and model_key(g.model) == wanted
        ]
        if any(g.priced for g in same):
            return None
        what = "" if self.kind is None else f"{self.kind} of "
        if same:
            return f"no price for {what}model {self.model}"
        return f"no {self.kind or 'usage'} rows of model {self.model}"


def rule_for(provider: Provider, cost: ReportedCost) -> Rule:
    if provider == "anthropic":
        return _anthropic_rule(cost)
    return _openai_rule(cost)


def web_search_reason(scope: Sequence[UsageGroup]) -> tuple[str | None, str | None]:
    """(why the web-search line is not estimable, or None; why it is INCOMPLETE, or None)."""
    messages = [g for g in scope if g.usage_type in _ANTHROPIC_TOKEN_TYPES]
    priced = any(g.priced_searches for g in messages)
    unpriced = sorted({g.model or "(no model)" for g in messages if g.unpriced_searches})
    if priced and unpriced:
        return None, (
            "web searches of priced and unpriced usage share one cost line, which cannot be"
            f" split (unpriced: {', '.join(unpriced)})"
        )
    if priced:
        return None, None
    if unpriced:
        return f"web searches of unpriced usage only ({', '.join(unpriced)})", None
    return "no priced usage with web searches", None


def _anthropic_rule(cost: ReportedCost) -> Rule:
    cost_type = cost.cost_type
    if cost_type == "web_search":
        return Rule("web_search", web_search=True)
    if cost.model is not None and cost_type in (None, "tokens"):
        return Rule(cost.model, cost.model, _ANTHROPIC_TOKEN_TYPES)
    if cost_type is None:
        return Rule(
            cost.line_item or "(no description)",
            reason="a cost line without a cost type or model cannot be split"
            " (costs not grouped by description)",
            unsplit=True,
        )
    what = cost_type.replace("_", " ")
    if cost_type in ("code_execution", "session_usage"):
        return Rule(cost_type, reason=f"{what} has no usage to estimate from")
    return Rule(cost_type, reason=f"cost type {cost_type} is not estimated")


def _openai_rule(cost: ReportedCost) -> Rule:
    item = cost.line_item
    if item is None:
        return Rule(
            "(no line item)",
            reason="a cost line without a line item cannot be split"
            " (costs not grouped by line item)",
            unsplit=True,
        )
    if "," not in item:
        return Rule(item, reason="not model usage: the estimator does not price it")
    model, label = (part.strip() for part in item.split(",", 1))
    label = label.lower().removeprefix("batch ").strip()
    if label.endswith(("input", "output")):
        return Rule(item, model, _OPENAI_TOKEN_TYPES)
    for test, usage_type in (
        (label == "characters", "audio_speeches"),
        (label == "audio", "audio_transcriptions"),
        (label.startswith("images"), "images"),
        (label == "web search tool calls", "web_search_calls"),
    ):
        if test:
            return Rule(item, model, frozenset({usage_type}), kind=usage_type)
    return Rule(item, reason=f"line item kind {label!r} is not one an estimate covers")
