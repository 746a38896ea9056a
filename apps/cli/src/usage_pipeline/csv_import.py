"""Import console CSV exports through the pipeline, all files or none.

Execution of `run_import`:
1. Every file is read and validated completely (`read_csv_export`: header, every row,
   one identity per event). Any problem raises `ImportRefused` naming the file, before
   anything is started or published.
2. Each file is split into chunks (the header plus up to `chunk_rows` rows and about
   256 KiB, so no Kafka message nears 1 MB; rows summed into one event stay together),
   each wrapped in a `RawPage` (`source="console_csv"`, endpoint `usage_csv`/`cost_csv`).
3. The pages are published to the raw topic of a `Pipeline(fetch=False)`: Kafka when
   `USAGE_KAFKA_BOOTSTRAP_SERVERS` is set, else in-process with the embedded PostgreSQL.
   The normalizer maps them with the same code that validated them in step 1.
4. `drain()` waits until every stage is idle; the tally says what was written.

Idempotency: the same rows give the same dedupe keys, and the writer replaces a row only
when `fetched_at` is newer-or-equal *and* a value changed, so importing a file again
writes nothing. Each file's `fetched_at` is the import time plus its position in
microseconds, so when files of one import overlap, the later file on the command line wins.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from usage_common import InvalidPayloadError, Provider, RawPage, Settings, utc_now
from usage_normalizer import NormalizeResult
from usage_normalizer.console_csv import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_CHUNK_ROWS,
    CsvChunk,
    CsvExport,
    read_csv_export,
)

from .pipeline import Pipeline
from .tally import RunTally

__all__ = [
    "CREDENTIAL_ID",
    "ImportArgs",
    "ImportRefused",
    "ImportResult",
    "PreparedFile",
    "prepare_files",
    "raw_pages",
    "run_import",
]

CREDENTIAL_ID = "console_csv"
MAX_MESSAGE_BYTES = 900_000
"""Refuse to publish a page this large (Kafka's default limit is 1 MB)."""

Kind = Literal["usage", "cost"]


class ImportRefused(Exception):
    """A file cannot be imported; nothing has been published."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True, slots=True)
class ImportArgs:
    provider: Provider
    kind: Kind
    files: list[Path]
    organization_id: str | None = None
    """None: USAGE_ANTHROPIC_ORGANIZATION_ID / USAGE_OPENAI_ORGANIZATION_ID."""
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    chunk_bytes: int = DEFAULT_CHUNK_BYTES

    def organization(self, settings: Settings) -> str:
        if self.organization_id:
            return self.organization_id
        if self.provider == "anthropic":
            return settings.anthropic_organization_id
        return settings.openai_organization_id


@dataclass(frozen=True, slots=True)
class PreparedFile:
    path: Path
    export: CsvExport
    chunks: list[CsvChunk]
    fetched_at: datetime


@dataclass
class _ImportTally(RunTally):
    """The run tally, plus why chunks were dead-lettered (the in-process DLQ is not kept)."""

    reasons: list[str] = field(default_factory=list)

    def on_normalized(self, result: NormalizeResult) -> None:
        super().on_normalized(result)
        if result.dead_letter is not None:
            self.reasons.append(result.dead_letter.reason)


@dataclass
class ImportResult:
    files: list[PreparedFile] = field(default_factory=list)
    tally: RunTally = field(default_factory=RunTally)
    dead_letter_reasons: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.export.rows for f in self.files)

    @property
    def events(self) -> int:
        return sum(len(f.export.events) for f in self.files)

    @property
    def failed(self) -> bool:
        return self.tally.failed

    def lines(self) -> list[str]:
        out = []
        for f in self.files:
            version = f.export.detected.version or "unlisted"
            out.append(
                f"read        {f.path.name}: {f.export.rows} row(s), {len(f.export.events)}"
                f" event(s), {len(f.chunks)} chunk(s)"
                f" ({f.export.format.title}, header {version})"
            )
        out.append(f"total       {self.rows} row(s), {self.events} event(s)")
        out.extend(self.tally.lines())
        return out


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportRefused(path, f"cannot read the file: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            path, f"not UTF-8 text (byte {exc.start}); export the CSV again as UTF-8"
        ) from exc


def prepare_files(args: ImportArgs, organization_id: str, now: datetime) -> list[PreparedFile]:
    """Read, validate and split every file; raises `ImportRefused` on the first bad one."""
    if not args.files:
        raise ValueError("no files to import")
    prepared = []
    for index, path in enumerate(args.files):
        fetched_at = now + timedelta(microseconds=index)
        text = _read_text(path)
        try:
            export = read_csv_export(
                args.provider,
                args.kind,
                text,
                organization_id=organization_id,
                fetched_at=fetched_at,
            )
        except InvalidPayloadError as exc:
            raise ImportRefused(path, str(exc)) from exc
        chunks = export.chunks(args.chunk_rows, args.chunk_bytes)
        prepared.append(PreparedFile(path, export, chunks, fetched_at))
    return prepared


def raw_pages(
    file: PreparedFile, provider: Provider, kind: Kind, organization_id: str
) -> list[RawPage]:
    """One `RawPage` per chunk, as the fetcher would publish an HTTP page."""
    name = file.path.name
    pages = []
    for chunk in file.chunks:
        page = RawPage(
            page_id=uuid.uuid4().hex,
            provider=provider,
            organization_id=organization_id,
            credential_id=CREDENTIAL_ID,
            source="console_csv",
            endpoint=f"{kind}_csv",
            request_path=name,
            request_params=[("file", name), ("chunk", str(chunk.index))],
            bucket_width=file.export.bucket_width,
            page_number=chunk.index,
            fetched_at=file.fetched_at,
            http_status=200,
            content_type="text/csv",
            body=chunk.text,
        )
        size = len(page.model_dump_json().encode())
        if size > MAX_MESSAGE_BYTES:
            raise ImportRefused(
                file.path,
                f"rows {chunk.first_row}-{chunk.last_row} make a {size}-byte message;"
                " import with a smaller --chunk-rows",
            )
        pages.append(page)
    return pages


async def run_import(
    settings: Settings,
    args: ImportArgs,
    *,
    say: Callable[[str], None] = print,
    progress: Callable[[str], None] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> ImportResult:
    """Validate every file, then publish them all and wait until they are written."""
    organization_id = args.organization(settings)
    result = ImportResult(prepare_files(args, organization_id, clock()))
    pages = [
        raw_pages(f, args.provider, args.kind, organization_id) for f in result.files
    ]  # built (and size-checked) before the pipeline starts
    report = progress or (lambda _line: None)
    for f in result.files:
        report(
            f"validated {f.path.name}: {f.export.rows} row(s) -> {len(f.export.events)}"
            f" event(s) in {len(f.chunks)} chunk(s)"
        )
    tally = _ImportTally()
    async with Pipeline(settings, fetch=False, say=say, tally=tally) as pipeline:
        for f, file_pages in zip(result.files, pages, strict=True):
            for chunk, page in zip(f.chunks, file_pages, strict=True):
                await pipeline.publish_raw([page])
                report(
                    f"  {f.path.name}: chunk {chunk.index}/{len(f.chunks)} published"
                    f" (rows {chunk.first_row}-{chunk.last_row})"
                )
        report(f"published {sum(map(len, pages))} chunk(s); draining the pipeline")
        await pipeline.drain()
    result.tally = tally
    result.dead_letter_reasons = tally.reasons
    return result
