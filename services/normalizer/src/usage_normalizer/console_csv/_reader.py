"""Reading a whole export: table, header check, rows -> events, one identity per event."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from pydantic import ValidationError

from usage_common import (
    REQUEST_MEASURES,
    TOKEN_MEASURES,
    BucketWidth,
    ClaudeCodeEvent,
    CostEvent,
    InvalidPayloadError,
    RawPage,
    UsageEvent,
    dedupe_key,
)

from . import _anthropic, _openai
from ._cells import Row
from ._formats import Detected, ExportFormat, resolve_format
from ._rows import FileContext, Mapped, RowMapper

__all__ = [
    "CSV_MAPPERS",
    "DEFAULT_CHUNK_BYTES",
    "DEFAULT_CHUNK_ROWS",
    "CsvChunk",
    "CsvExport",
    "CsvMapper",
    "read_csv_events",
    "read_csv_export",
]

Event = UsageEvent | CostEvent
CsvMapper = Callable[[RawPage], list[UsageEvent | CostEvent | ClaudeCodeEvent]]
"""A normalizer `Mapper` (it returns no ClaudeCodeEvent; the type matches `mapping.Mapper`)."""

_ROW_MAPPERS: dict[tuple[str, str], RowMapper] = {
    ("anthropic", "usage"): _anthropic.map_usage_row,
    ("anthropic", "cost"): _anthropic.map_cost_row,
    ("openai", "usage"): _openai.map_usage_row,
    ("openai", "cost"): _openai.map_cost_row,
}

DEFAULT_CHUNK_ROWS = 1000
DEFAULT_CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class CsvChunk:
    """A piece of an export that is itself a valid export: the header plus whole rows."""

    index: int
    """1-based, in the order the chunks should be published."""
    text: str
    rows: int
    first_row: int
    last_row: int


@dataclass(frozen=True)
class CsvExport:
    """A fully read and validated export. Build with `read_csv_export`."""

    detected: Detected
    bucket_width: BucketWidth | None
    """The file's width (Anthropic: from usage_date_utc; OpenAI: when all rows agree)."""
    rows: int
    """Data rows read (empty OpenAI buckets included)."""
    events: list[Event]
    header: tuple[str, ...]
    _groups: list[list[Row]] = field(repr=False)

    @property
    def format(self) -> ExportFormat:
        return self.detected.format

    def chunks(
        self, max_rows: int = DEFAULT_CHUNK_ROWS, max_bytes: int = DEFAULT_CHUNK_BYTES
    ) -> list[CsvChunk]:
        """Split into exports of the header plus up to `max_rows` rows and about
        `max_bytes` of text, never separating rows that make one event (they are summed
        by the mapper, which sees one chunk at a time). A group larger than the limits
        gets a chunk of its own."""
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        header = _line(self.header)
        chunks: list[CsvChunk] = []
        lines: list[str] = []
        numbers: list[int] = []
        size = len(header.encode())

        def close() -> None:
            nonlocal lines, numbers, size
            if lines:
                chunks.append(
                    CsvChunk(
                        len(chunks) + 1,
                        header + "".join(lines),
                        len(lines),
                        min(numbers),
                        max(numbers),
                    )
                )
            lines, numbers, size = [], [], len(header.encode())

        for group in self._groups:
            texts = [_line(r.raw) for r in group]
            group_size = sum(len(t.encode()) for t in texts)
            if lines and (len(lines) + len(texts) > max_rows or size + group_size > max_bytes):
                close()
            lines.extend(texts)
            numbers.extend(r.number for r in group)
            size += group_size
        close()
        return chunks


def _line(cells: Sequence[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _table(text: str) -> tuple[tuple[str, ...], list[Row]]:
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: tuple[str, ...] | None = None
    rows: list[Row] = []
    try:
        for cells in reader:
            if not cells or all(not c.strip() for c in cells):
                continue  # blank line
            if header is None:
                header = tuple(c.strip() for c in cells)
                duplicated = sorted({c for c in header if header.count(c) > 1})
                if duplicated:
                    raise InvalidPayloadError(f"header repeats column(s) {', '.join(duplicated)}")
                continue
            if len(cells) != len(header):
                raise InvalidPayloadError(
                    f"row {reader.line_num} has {len(cells)} cells; the header has {len(header)}"
                )
            rows.append(Row(reader.line_num, dict(zip(header, cells, strict=True)), tuple(cells)))
    except csv.Error as exc:
        raise InvalidPayloadError(f"row {reader.line_num}: not valid CSV: {exc}") from exc
    if header is None:
        raise InvalidPayloadError("the file is empty: no header line")
    return header, rows


def _describe(event: Event) -> str:
    parts = [f"window {event.window_start:%Y-%m-%dT%H:%M:%SZ}"]
    names = ("project_id", "api_key_id", "user_id", "model", "token_type", "line_item")
    for name in names:
        value = getattr(event, name, None)
        if value is not None:
            parts.append(f"{name} {value!r}")
    return ", ".join(parts)


def _add(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else a + b


def _add_money(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return b if a is None else a if b is None else a + b


def _add_maps(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in a | b}


def _merge(a: Event, b: Event) -> Event:
    """Two rows of one name-keyed identity (e.g. two keys with one name): add them up."""
    if isinstance(a, UsageEvent) and isinstance(b, UsageEvent):
        return UsageEvent.model_validate(
            a.model_dump()
            | {name: getattr(a, name) + getattr(b, name) for name in TOKEN_MEASURES}
            | {name: _add(getattr(a, name), getattr(b, name)) for name in REQUEST_MEASURES}
            | {
                "token_details": _add_maps(a.token_details, b.token_details),
                "units": _add_maps(a.units, b.units),
            }
        )
    assert isinstance(a, CostEvent) and isinstance(b, CostEvent)
    return CostEvent.model_validate(
        a.model_dump()
        | {
            "cost_usd": a.cost_usd + b.cost_usd,
            "amount_reported": f"{a.amount_reported}+{b.amount_reported}",
            "quantity": _add_money(a.quantity, b.quantity),
            "list_price_usd": _add_money(a.list_price_usd, b.list_price_usd),
        }
    )


def _one_per_identity(
    items: list[tuple[Row, Mapped | None]],
) -> tuple[list[Event], list[list[Row]]]:
    """Events with distinct identities, and the rows behind each, in file order.

    Rows sharing an identity are refused (they would overwrite each other downstream),
    except when the identity holds a name where the provider has an id: names are not
    unique (a deleted key and its namesake), so those rows are summed. Even then, two
    identical rows are refused: that is a file pasted twice, not two keys.
    """
    groups: dict[str, list[tuple[Row, Mapped]]] = {}
    order: list[str | Row] = []  # identities, and rows without an event, in file order
    for row, item in items:
        if item is None:
            order.append(row)
            continue
        key = dedupe_key(item.event)
        if key not in groups:
            order.append(key)
        groups.setdefault(key, []).append((row, item))
    events: list[Event] = []
    for members in groups.values():
        (first_row, first), *rest = members
        event = first.event
        seen = {first_row.raw: first_row.number}
        for row, item in rest:
            if row.raw in seen:
                raise InvalidPayloadError(
                    f"rows {seen[row.raw]} and {row.number} are identical: refusing the"
                    " file (is it two exports pasted together?)"
                )
            if not (first.by_name and item.by_name):
                raise InvalidPayloadError(
                    f"rows {first_row.number} and {row.number} have the same identity"
                    f" ({_describe(event)}): refusing the file, one of them would"
                    " overwrite the other"
                )
            seen[row.raw] = row.number
            event = _merge(event, item.event)
        events.append(event)
    rows = [
        [entry] if isinstance(entry, Row) else [row for row, _ in groups[entry]] for entry in order
    ]
    return events, rows


def _read(
    provider: str,
    kind: str,
    text: str,
    organization_id: str,
    fetched_at: datetime,
    bucket_width: BucketWidth | None,
) -> CsvExport:
    header, rows = _table(text)
    detected = resolve_format(provider, kind, header)
    width: BucketWidth | None = None
    if provider == "anthropic":
        width = _anthropic.file_bucket_width(rows, bucket_width)
    else:
        width = bucket_width
    ctx = FileContext(organization_id, fetched_at, width)
    map_row = _ROW_MAPPERS[(provider, kind)]
    items: list[tuple[Row, Mapped | None]] = []
    for row in rows:
        try:
            item = map_row(row, ctx)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "row"
            raise InvalidPayloadError(f"row {row.number}: {where}: {first['msg']}") from exc
        items.append((row, item))
    events, groups = _one_per_identity(items)
    if provider == "openai" and width is None:
        widths = {e.bucket_width for e in events}
        width = widths.pop() if len(widths) == 1 else None
    return CsvExport(
        detected=detected,
        bucket_width=width,
        rows=len(rows),
        events=events,
        header=header,
        _groups=groups,
    )


def read_csv_export(
    provider: str,
    kind: str,
    text: str,
    *,
    organization_id: str,
    fetched_at: datetime,
    bucket_width: BucketWidth | None = None,
) -> CsvExport:
    """Read and validate a whole console export; see `read_csv_events`.

    `bucket_width` is the file's width when `text` is a chunk of it (Anthropic hourly and
    minute files cannot be told apart from a few rows); None infers it from the rows.
    """
    return _read(provider, kind, text, organization_id, fetched_at, bucket_width)


def read_csv_events(
    provider: str,
    kind: str,
    text: str,
    *,
    organization_id: str,
    fetched_at: datetime,
) -> list[UsageEvent | CostEvent]:
    """Canonical events of one console CSV export (header + rows), all or nothing.

    Parameters:
        provider: "anthropic" or "openai".
        kind: "usage" or "cost".
        text: the file's text (a UTF-8 byte-order mark is ignored).
        organization_id: the tenant stored on every event.
        fetched_at: stored on every event; the writer keeps the newest.

    Raises `InvalidPayloadError` naming the problem: the file is another export (wrong
    provider or kind), unknown or missing columns, a bad value (row and column), or two
    rows with one identity.
    """
    export = _read(provider, kind, text, organization_id, fetched_at, None)
    return export.events


def _csv_mapper(provider: str, kind: str) -> CsvMapper:
    def map_csv_page(raw: RawPage) -> list[UsageEvent | CostEvent | ClaudeCodeEvent]:
        media_type = raw.content_type.split(";", 1)[0].strip().lower()
        if media_type != "text/csv":
            raise InvalidPayloadError(
                f"{raw.endpoint} page has content type {raw.content_type!r}, not text/csv"
            )
        if raw.source != "console_csv":
            raise InvalidPayloadError(
                f"{raw.endpoint} page has source {raw.source!r}, not console_csv"
            )
        if raw.provider != provider:
            raise InvalidPayloadError(f"{raw.endpoint} page is from {raw.provider}, not {provider}")
        export = _read(
            provider,
            kind,
            raw.body,
            raw.organization_id,
            raw.fetched_at,
            raw.bucket_width,
        )
        return [*export.events]

    map_csv_page.__name__ = f"map_{provider}_{kind}_csv"
    map_csv_page.__qualname__ = map_csv_page.__name__
    return map_csv_page


CSV_MAPPERS: dict[tuple[str, str], CsvMapper] = {
    (provider, f"{kind}_csv"): _csv_mapper(provider, kind)
    for provider in ("anthropic", "openai")
    for kind in ("usage", "cost")
}
"""(provider, endpoint) -> mapper of a RawPage whose body is one CSV export or chunk."""
