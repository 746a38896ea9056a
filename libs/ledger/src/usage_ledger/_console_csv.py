"""The console-CSV side of reconcile: an export read by a reader the caller passes, summed
per day and project.

The ledger does not import the normalizer: the caller passes its reader (`CsvReader`,
in the CLI `usage_normalizer.console_csv.read_csv_events`).

- A usage export is compared per day and per token measure (`COMPARED_TOKEN_MEASURES`):
  input, uncached, cache read, cache write (total), output. The 5m/1h split is not
  compared: older exports do not split writes.
- Per project only where the CSV's project ids are real ids found in the database;
  console files name workspaces instead (the reader marks such rows with a `*_name`
  dimension), and a name cannot be matched to an id, so those are compared per day only.
- A console export covers one organization: with several in the database, a CSV
  comparison needs one to be chosen (`_queries.check_selection` refuses otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from usage_common import (
    CACHE_WRITE_TTL_MEASURES,
    TOKEN_MEASURES,
    CostEvent,
    InvalidPayloadError,
    Provider,
    UsageEvent,
)

from ._selection import ReconcileQuery
from ._types import MONEY, CsvKind, Key, Number

__all__ = ["COMPARED_TOKEN_MEASURES", "CsvData", "CsvReader", "csv_totals", "read_csv"]

# Older console exports do not split cache writes by TTL: compare the total write only.
COMPARED_TOKEN_MEASURES: tuple[str, ...] = tuple(
    m for m in TOKEN_MEASURES if m not in CACHE_WRITE_TTL_MEASURES
)
_NAME_DIMENSIONS = frozenset({"workspace_name", "project_name"})


@dataclass(frozen=True)
class CsvData:
    """A console export, read: its kind and all its events (selected by `csv_totals`)."""

    kind: CsvKind
    events: tuple[UsageEvent | CostEvent, ...]


class CsvReader(Protocol):
    """Reads one export as `kind` ("usage" or "cost") into canonical events.

    Implementers raise InvalidPayloadError, with a message a user can act on, when the
    text is not an export of that provider and kind; they never return a partial read.
    `usage_normalizer.console_csv.read_csv_events` is the real one.
    """

    def __call__(
        self,
        provider: str,
        kind: str,
        text: str,
        *,
        organization_id: str,
        fetched_at: datetime,
    ) -> list[UsageEvent | CostEvent]: ...


def read_csv(
    reader: CsvReader,
    provider: Provider,
    text: str,
    *,
    kind: CsvKind | None,
    organization_id: str,
    fetched_at: datetime,
) -> tuple[CsvKind, list[UsageEvent | CostEvent]]:
    """Read an export as `kind`, or, when None, as a usage export and else as a cost export.

    Raises InvalidPayloadError with the reader's message(s) when it is neither.
    """
    kinds: tuple[CsvKind, ...] = (kind,) if kind else ("usage", "cost")
    errors: list[str] = []
    for attempt in kinds:
        try:
            events = reader(
                provider, attempt, text, organization_id=organization_id, fetched_at=fetched_at
            )
        except InvalidPayloadError as exc:
            errors.append(f"as the {provider} {attempt} export: {exc}")
            continue
        return attempt, events
    raise InvalidPayloadError("cannot read the CSV " + "; nor ".join(errors))


def csv_totals(
    data: CsvData, query: ReconcileQuery
) -> tuple[dict[Key, dict[str, Number]], set[str], bool]:
    """Per (day, project) sums of the export's events inside the selection.

    Returns the sums (token measures, or `cost_usd`), the usage types seen, and whether the
    project ids can be matched to the database's (False when any row names its project).
    Raises InvalidPayloadError when the export is another provider's.
    """
    sums: dict[Key, dict[str, Number]] = {}
    usage_types: set[str] = set()
    ids = True
    for event in data.events:
        if event.provider != query.provider:
            raise InvalidPayloadError(
                f"the CSV holds {event.provider} rows, not {query.provider} rows"
            )
        if not query.since <= event.window_start < query.until:
            continue
        if _NAME_DIMENSIONS & event.dimensions.keys():
            ids = False
        cell = sums.setdefault((event.window_start.date(), event.project_id), {})
        if isinstance(event, UsageEvent):
            usage_types.add(event.usage_type)
            for measure in COMPARED_TOKEN_MEASURES:
                cell[measure] = cell.get(measure, 0) + getattr(event, measure)
        else:
            cell[MONEY] = cell.get(MONEY, Decimal(0)) + event.cost_usd
    return sums, usage_types, ids
