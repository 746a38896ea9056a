"""Deterministic Claude Code Analytics records: one per active actor per UTC day.

A digest of (seed, "anthropic", day, actor) decides whether the actor used Claude Code
that day and, if so, every number of its record. `estimated_cost` is the tokens times
the standard rates of `pricing.billing_rates` at that day (cache creation at the 5-minute
write rate), in cents. These records are independent of the messages usage: the real
API's API-key actors also show up there, which the simulator does not model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from .digests import digest, u32
from .pricing import ANTHROPIC_TOKEN_PRICES, billing_rates

__all__ = [
    "CLAUDE_CODE_ACTORS",
    "TOOLS",
    "Actor",
    "ClaudeCodeRecord",
    "ClaudeCodeTotals",
    "ModelUsage",
    "claude_code_records",
    "expected_claude_code",
]

TOOLS: tuple[str, ...] = ("edit_tool", "multi_edit_tool", "write_tool", "notebook_edit_tool")


@dataclass(frozen=True, slots=True)
class Actor:
    """Someone using Claude Code: a user (by email) or an API key (by name)."""

    kind: str  # "user_actor" | "api_actor"
    ident: str  # email address or API key name
    customer_type: str  # "subscription" | "api"
    subscription_type: str | None  # "enterprise" | "team" | None for API customers
    terminals: tuple[str, ...]
    models: tuple[str, ...]
    volume: int
    activity: int


CLAUDE_CODE_ACTORS: tuple[Actor, ...] = (
    Actor(
        "user_actor",
        "alice@sim.example",
        "subscription",
        "enterprise",
        ("vscode", "iTerm.app"),
        ("claude-sonnet-4-5", "claude-opus-4-1"),
        400_000,
        70,
    ),
    Actor(
        "user_actor",
        "bob@sim.example",
        "subscription",
        "team",
        ("ghostty",),
        ("claude-sonnet-4-5", "claude-haiku-4-5"),
        250_000,
        55,
    ),
    Actor(
        "user_actor",
        "carol@sim.example",
        "subscription",
        "enterprise",
        ("tmux", "vscode"),
        ("claude-opus-4-1",),
        150_000,
        35,
    ),
    Actor(
        "api_actor",
        "claude_code_key_dave_k3x9",
        "api",
        None,
        ("xterm-256color",),
        ("claude-sonnet-4-5",),
        600_000,
        60,
    ),
    Actor(
        "api_actor",
        "claude_code_key_erin_p2m7",
        "api",
        None,
        ("cursor", "vscode"),
        ("claude-haiku-4-5", "claude-sonnet-4-5"),
        200_000,
        45,
    ),
)
"""Sorted by `ident`: the order records are served in."""


@dataclass(frozen=True, slots=True)
class ModelUsage:
    model: str
    input: int
    output: int
    cache_read: int
    cache_creation: int
    estimated_cost_cents: Decimal


@dataclass(frozen=True, slots=True)
class ClaudeCodeRecord:
    day: date
    actor: Actor
    terminal_type: str
    is_remote: bool
    num_sessions: int
    lines_added: int
    lines_removed: int
    commits: int
    pull_requests: int
    models: tuple[ModelUsage, ...]
    tool_actions: Mapping[str, tuple[int, int]]
    """tool -> (accepted, rejected)"""


@dataclass(frozen=True, slots=True)
class ClaudeCodeTotals:
    """Sums over every record of a date range (what `expected_claude_code` returns)."""

    records: int = 0
    num_sessions: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    commits: int = 0
    pull_requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0
    estimated_cost_cents: Decimal = field(default_factory=lambda: Decimal(0))
    tool_accepted: int = 0
    tool_rejected: int = 0


_CACHE_CREATION_PRICE = ANTHROPIC_TOKEN_PRICES["cache_creation.ephemeral_5m_input_tokens"]


def claude_code_records(day: date, seed: int) -> list[ClaudeCodeRecord]:
    """Every record of one UTC day, ordered by actor (email or key name)."""
    day = _as_date(day)
    epoch = int(datetime.combine(day, datetime.min.time(), UTC).timestamp())
    records: list[ClaudeCodeRecord] = []
    for actor in CLAUDE_CODE_ACTORS:
        d = digest(seed, "anthropic", epoch, f"claude-code/{actor.ident}")
        if d[0] % 100 >= actor.activity:
            continue
        records.append(_record(day, actor, d, seed, epoch))
    return records


def expected_claude_code(since: date, until: date, seed: int) -> ClaudeCodeTotals:
    """Totals of every record served for the days in [since, until)."""
    totals: dict[str, int] = {}
    cost = Decimal(0)
    day, end = _as_date(since), _as_date(until)
    while day < end:
        for record in claude_code_records(day, seed):
            _add(totals, "records", 1)
            for name in ("num_sessions", "lines_added", "lines_removed", "commits"):
                _add(totals, name, getattr(record, name))
            _add(totals, "pull_requests", record.pull_requests)
            for usage in record.models:
                _add(totals, "input_tokens", usage.input)
                _add(totals, "output_tokens", usage.output)
                _add(totals, "cache_read_tokens", usage.cache_read)
                _add(totals, "cache_creation_tokens", usage.cache_creation)
                cost += usage.estimated_cost_cents
            for accepted, rejected in record.tool_actions.values():
                _add(totals, "tool_accepted", accepted)
                _add(totals, "tool_rejected", rejected)
        day += timedelta(days=1)
    return ClaudeCodeTotals(**totals, estimated_cost_cents=cost)


def _record(day: date, actor: Actor, d: bytes, seed: int, epoch: int) -> ClaudeCodeRecord:
    sessions = 1 + d[1] % 12
    added = u32(d, 2) % (sessions * 400 + 1)
    commits = d[6] % (sessions + 1)
    models = tuple(
        _model_usage(
            day,
            model,
            digest(seed, "anthropic", epoch, f"claude-code/{actor.ident}/{model}"),
            actor.volume,
        )
        for index, model in enumerate(actor.models)
        if index == 0 or d[7] % 2 == 0
    )
    tools = MappingProxyType(
        {tool: (d[10 + 2 * i] % 40, d[11 + 2 * i] % 8) for i, tool in enumerate(TOOLS)}
    )
    return ClaudeCodeRecord(
        day=day,
        actor=actor,
        terminal_type=actor.terminals[d[8] % len(actor.terminals)],
        is_remote=d[9] % 4 == 0,
        num_sessions=sessions,
        lines_added=added,
        lines_removed=u32(d, 20) % (added // 2 + 1),
        commits=commits,
        pull_requests=d[24] % (commits // 3 + 1),
        models=models,
        tool_actions=tools,
    )


def _model_usage(day: date, model: str, d: bytes, volume: int) -> ModelUsage:
    input_tokens = volume // 20 + u32(d, 0) % volume
    output = input_tokens // 10 + u32(d, 4) % (input_tokens // 4 + 1)
    cache_read = u32(d, 8) % (8 * input_tokens)
    cache_creation = u32(d, 12) % (input_tokens // 2 + 1)
    rates = billing_rates("anthropic", model, day)
    usd = Decimal(0)
    for count, chain in (
        (input_tokens, ANTHROPIC_TOKEN_PRICES["uncached_input_tokens"]),
        (output, ANTHROPIC_TOKEN_PRICES["output_tokens"]),
        (cache_read, ANTHROPIC_TOKEN_PRICES["cache_read_input_tokens"]),
        (cache_creation, _CACHE_CREATION_PRICE),
    ):
        usd += count * (rates.per_unit(chain) or Decimal(0))
    return ModelUsage(model, input_tokens, output, cache_read, cache_creation, usd * 100)


def _add(totals: dict[str, int], name: str, value: int) -> None:
    totals[name] = totals.get(name, 0) + value


def _as_date(value: date) -> date:
    # A datetime is a date too; take its UTC day rather than its local one.
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    return value
