"""`usage-pipeline reconcile`: usage and cost against the bill and console CSVs.

Thin: options -> `ReconcileQuery` + `Tolerance` (+ the CSV, read) ->
`usage_ledger.run_reconcile` -> table or JSON. The checks and the tolerance rules are
documented in usage_ledger (`_reconcile`).

Exit codes: 0 every line OK; 1 some line is a DIFF (a difference passes the tolerance)
or INCOMPLETE (an estimate that cannot be checked); 2 bad input (options, dates, CSV file,
a selection that cannot be reconciled, a database without the schema); 3 the database
could not be reached or queried (not a verdict on the numbers, so it is kept apart from 1).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from usage_common import ConfigError, InvalidPayloadError, Settings, parse_instant, utc_now
from usage_ledger import (
    CsvData,
    CsvKind,
    CsvReader,
    ReconcileQuery,
    Reconciliation,
    Tolerance,
    read_csv,
    render_reconciliation_json,
    render_reconciliation_table,
    run_reconcile,
)
from usage_normalizer.console_csv import read_csv_events

from .cli_support import (
    CsvKindOption,
    ExitCodes,
    FormatOption,
    ProviderOption,
    fail,
    load_settings,
    run_async,
)
from .database import database_url

__all__ = ["EXIT_BAD_INPUT", "EXIT_DATABASE", "load_csv_reader", "register"]

EXIT_BAD_INPUT = 2
EXIT_DATABASE = 3
# Any error past the options is the database's: a missing schema is bad input, the rest
# (unreachable, a failed query) is kept apart from a verdict on the numbers.
_CODES = ExitCodes(
    bad_input=EXIT_BAD_INPUT,
    failed=EXIT_DATABASE,
    unreachable=EXIT_DATABASE,
    unreachable_prefix="database: ",
)


class WidthOption(StrEnum):
    minute = "1m"
    hour = "1h"
    day = "1d"


def load_csv_reader() -> CsvReader:
    """The console CSV reader of the normalizer (a seam: tests pass their own)."""
    return read_csv_events


def _decimal(text: str, option: str) -> Decimal:
    try:
        value = Decimal(text.strip().removesuffix("%").removeprefix("$"))
    except InvalidOperation:
        fail(f"{option}: {text!r} is not a number", EXIT_BAD_INPUT)
    return value


def _read_csv(
    path: Path, query: ReconcileQuery, kind: CsvKind | None, reader: CsvReader
) -> CsvData:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"--against-csv {path}: {exc}", EXIT_BAD_INPUT)
    try:
        read_kind, events = read_csv(
            reader,
            query.provider,
            text,
            kind=kind,
            organization_id=query.organization_id or "console-csv",
            fetched_at=utc_now(),
        )
    except InvalidPayloadError as exc:
        fail(f"--against-csv {path}: {exc}", EXIT_BAD_INPUT)
    return CsvData(read_kind, tuple(events))


async def _run(
    settings: Settings, query: ReconcileQuery, tolerance: Tolerance, csv: CsvData | None
) -> Reconciliation:
    async with database_url(settings) as url:
        return await run_reconcile(url, query, tolerance, csv)


def register(app: typer.Typer) -> None:
    @app.command("reconcile")
    def reconcile_command(
        provider: Annotated[ProviderOption, typer.Option("--provider", help="whose numbers")],
        since: Annotated[
            str, typer.Option("--since", help="UTC date or timestamp; window start (inclusive)")
        ],
        until: Annotated[
            str, typer.Option("--until", help="UTC date or timestamp; window end (exclusive)")
        ],
        against_csv: Annotated[
            Path | None,
            typer.Option("--against-csv", help="a console usage or cost CSV export to compare"),
        ] = None,
        csv_kind: Annotated[
            CsvKindOption | None,
            typer.Option("--csv-kind", help="usage or cost; default: whichever reads"),
        ] = None,
        fmt: Annotated[FormatOption, typer.Option("--format", help="table or json")] = (
            FormatOption.table
        ),
        tolerance_tokens: Annotated[
            int, typer.Option("--tolerance-tokens", min=0, help="allowed token difference")
        ] = 0,
        tolerance_pct: Annotated[
            str,
            typer.Option(
                "--tolerance-pct",
                help="percent of the reported/CSV amount a money difference may reach",
            ),
        ] = "1",
        tolerance_usd: Annotated[
            str,
            typer.Option("--tolerance-usd", help="dollars a money difference may reach"),
        ] = "0.01",
        bucket_width: Annotated[
            WidthOption | None,
            typer.Option("--bucket-width", help="only usage rows of this width (1m|1h|1d)"),
        ] = None,
        organization_id: Annotated[
            str | None, typer.Option("--organization-id", help="only this organization")
        ] = None,
    ) -> None:
        """Estimated against comparable reported cost per UTC day (and project); with
        --against-csv, the database against a console export.

        Reported cost an estimate cannot cover (code execution, unknown models, tool
        calls...) is listed as not estimable, never compared. A money line is a DIFF only
        when its difference passes both --tolerance-usd and --tolerance-pct (of the
        comparable reported / CSV side), INCOMPLETE when its estimate cannot be checked.
        Exit 0 all OK, 1 some DIFF or INCOMPLETE, 2 bad input, 3 database unreachable."""
        try:
            start, end = parse_instant(since), parse_instant(until)
        except ValueError as exc:
            fail(f"--since/--until: {exc}", EXIT_BAD_INPUT)
        try:
            query = ReconcileQuery(
                provider.value,
                start,
                end,
                bucket_width.value if bucket_width else None,
                organization_id,
            )
            tolerance = Tolerance(
                tolerance_tokens,
                _decimal(tolerance_pct, "--tolerance-pct"),
                _decimal(tolerance_usd, "--tolerance-usd"),
            )
            csv = None
            if against_csv is not None:
                kind: CsvKind | None = csv_kind.value if csv_kind else None
                csv = _read_csv(against_csv, query, kind, load_csv_reader())
        except ConfigError as exc:
            fail(str(exc), EXIT_BAD_INPUT)
        result = run_async(_run(load_settings(), query, tolerance, csv), _CODES)
        json = fmt is FormatOption.json
        typer.echo(
            render_reconciliation_json(result) if json else render_reconciliation_table(result)
        )
        raise typer.Exit(result.exit_code)
