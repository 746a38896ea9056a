"""Aliases the ledger's modules share: the checks, statuses and cells of a reconciliation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

__all__ = ["Check", "CsvKind", "Key", "Number", "Status"]

Check = Literal["cost", "tokens", "csv_cost"]
Status = Literal["OK", "DIFF", "INCOMPLETE"]
CsvKind = Literal["usage", "cost"]
Key = tuple[date, str | None]
"""A cell: one UTC day x one project id (None is a project too: Anthropic's default
workspace, or usage not grouped by project)."""
Number = Decimal | int

MONEY = "cost_usd"
"""The one measure of the money checks (a column of both usage_events and cost_events)."""
