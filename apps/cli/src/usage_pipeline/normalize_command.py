"""`usage-pipeline normalize-file`: canonical events of one saved API page, as JSON lines.

It runs the normalizer's own code on the file (the same validation, mapping and price
estimate), so it is the tool for debugging a mapping and the engine of the contract tests.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from usage_common import (
    BucketWidth,
    InvalidPayloadError,
    RawPage,
    dedupe_key,
    parse_instant,
    utc_now,
)
from usage_normalizer import MAPPERS, normalize_page

from .cli_support import err, fail

__all__ = ["infer_bucket_width", "normalize_file", "register"]

_WIDTHS: dict[int, BucketWidth] = {60: "1m", 3600: "1h", 86400: "1d"}


def infer_bucket_width(body: str) -> BucketWidth | None:
    """The width of the page's first bucket, from its bounds (either provider's form)."""
    try:
        first = json.loads(body)["data"][0]
        if "start_time" in first:
            seconds = int(first["end_time"]) - int(first["start_time"])
        else:
            start = datetime.fromisoformat(first["starting_at"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(first["ending_at"].replace("Z", "+00:00"))
            seconds = int((end - start).total_seconds())
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    return _WIDTHS.get(seconds)


def normalize_file(
    provider: str,
    endpoint: str,
    body: str,
    *,
    bucket_width: BucketWidth | None = None,
    organization_id: str = "default",
    fetched_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """Map one page; raises InvalidPayloadError or ValidationError like the normalizer."""
    page = RawPage(
        page_id=uuid.uuid4().hex,
        provider=provider,  # type: ignore[arg-type]
        organization_id=organization_id,
        credential_id="normalize-file",
        endpoint=endpoint,
        request_path="file",
        bucket_width=bucket_width or infer_bucket_width(body) or "1d",
        page_number=1,
        fetched_at=fetched_at or utc_now(),
        http_status=200,
        body=body,
    )
    out = []
    for event in normalize_page(page):
        row = json.loads(event.model_dump_json())
        row["dedupe_key"] = dedupe_key(event)
        out.append(row)
    return out


def register(app: typer.Typer) -> None:
    @app.command("normalize-file")
    def normalize_file_command(
        file: Annotated[Path, typer.Argument(help="a saved API response body (JSON)")],
        provider: Annotated[str, typer.Option("--provider", help="anthropic or openai")],
        endpoint: Annotated[
            str, typer.Option("--endpoint", help="last path segment: messages, costs, ...")
        ],
        bucket_width: Annotated[
            str | None, typer.Option("--bucket-width", help="default: read from the buckets")
        ] = None,
        organization_id: Annotated[str, typer.Option("--organization-id")] = "default",
        fetched_at: Annotated[
            str | None, typer.Option("--fetched-at", help="UTC timestamp; default now")
        ] = None,
    ) -> None:
        """Print the canonical events of one saved API page as JSON lines."""
        known = sorted({e for p, e in MAPPERS if p == provider})
        if not known:
            fail(f"unknown provider {provider!r}", 2)
        if endpoint not in known:
            fail(f"unknown {provider} endpoint {endpoint!r}; one of {', '.join(known)}", 2)
        if bucket_width not in (None, "1m", "1h", "1d"):
            fail("--bucket-width must be 1m, 1h or 1d", 2)
        try:
            body = file.read_text(encoding="utf-8")
            when = parse_instant(fetched_at) if fetched_at else datetime.now(UTC)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            fail(str(exc), 2)
        try:
            rows = normalize_file(
                provider,
                endpoint,
                body,
                bucket_width=bucket_width,  # type: ignore[arg-type]
                organization_id=organization_id,
                fetched_at=when,
            )
        except ValidationError as exc:
            err(f"{file} does not validate ({exc.error_count()} errors)")
            for error in exc.errors(include_url=False)[:20]:
                path = ".".join(str(p) for p in error["loc"])
                typer.echo(f"  {path}: {error['msg']}", err=True)
            raise typer.Exit(1) from None
        except InvalidPayloadError as exc:
            fail(f"{file}: {exc}", 1)
        for row in rows:
            sys.stdout.write(json.dumps(row, sort_keys=True) + "\n")
