"""What Grafana does to a PostgreSQL panel's SQL before sending it, so tests can do the
same: template variables first (in the browser), then macros (in the server).

Variables, as Grafana's SQL data sources format them: a multi-value or include-All
variable becomes a comma-separated list of quoted literals (All = every option); a
single-value one is inserted as is, with single quotes doubled. Macros, as the Go macro
engine of the PostgreSQL plugin writes them: `$__timeFilter(col)` is
`col BETWEEN '<from>' AND '<to>'` and `$__timeFrom()` / `$__timeTo()` the quoted bounds,
in RFC 3339 UTC. Any other `$name(...)` is an error there ("unknown macro"), and so here,
as is a variable the dashboard does not define.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["TimeRange", "dashboard_variables", "interpolate", "sql_targets"]

_MACRO = re.compile(r"\$(\w+)\(([^)]*)\)")
_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        assert self.start.tzinfo is not None and self.end.tzinfo is not None

    @staticmethod
    def _rfc3339(moment: datetime) -> str:
        text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
        return text + "Z"

    @property
    def start_text(self) -> str:
        return self._rfc3339(self.start)

    @property
    def end_text(self) -> str:
        return self._rfc3339(self.end)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def dashboard_variables(dashboard: dict[str, Any], **chosen: str | list[str]) -> dict[str, str]:
    """The text each custom variable is replaced with: its default (`current`), or what
    `chosen` names (a list for a multi-value variable, "$__all" for All)."""
    values: dict[str, str] = {}
    for variable in dashboard["templating"]["list"]:
        if variable["type"] != "custom":
            continue
        name = variable["name"]
        options = [o.strip() for o in variable["query"].split(",")]
        current = chosen.get(name, variable["current"]["value"])
        picked = options if current in ("$__all", ["$__all"]) else current
        if variable.get("multi") or variable.get("includeAll"):
            picked = [picked] if isinstance(picked, str) else picked
            values[name] = ",".join(_quote(v) for v in picked)
        else:
            assert isinstance(picked, str), name
            values[name] = picked.replace("'", "''")
    return values


def _macro(name: str, args: list[str], span: TimeRange) -> str:
    if name == "__timeFilter" and len(args) == 1 and args[0]:
        return f"{args[0]} BETWEEN '{span.start_text}' AND '{span.end_text}'"
    if name == "__timeFrom" and args == [""]:
        return f"'{span.start_text}'"
    if name == "__timeTo" and args == [""]:
        return f"'{span.end_text}'"
    raise ValueError(f"unknown macro or arguments: ${name}({', '.join(args)})")


def interpolate(sql: str, variables: dict[str, str], span: TimeRange) -> str:
    def variable(match: re.Match[str]) -> str:
        name = match[1] or match[2]
        if name.startswith("__"):
            return match[0]  # a macro: the server's turn
        if name not in variables:
            raise ValueError(f"undefined variable ${name}")
        return variables[name]

    sql = _VARIABLE.sub(variable, sql)
    sql = _MACRO.sub(lambda m: _macro(m[1], [a.strip() for a in m[2].split(",")], span), sql)
    if "$" in sql:
        raise ValueError(f"left uninterpolated: {sql}")
    return sql


def sql_targets(dashboard: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(panel title, target) for every SQL target of the dashboard, rows included."""
    found = []
    for panel in dashboard["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            found += [(inner["title"], t) for t in inner.get("targets", []) if "rawSql" in t]
    return found
