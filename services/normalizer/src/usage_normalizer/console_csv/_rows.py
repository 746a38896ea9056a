"""What a row mapper gets and returns (shared by the provider modules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from usage_common import BucketWidth, CostEvent, UsageEvent

from ._cells import Row

__all__ = ["FileContext", "Mapped", "RowMapper", "name_or_id"]


@dataclass(frozen=True, slots=True)
class FileContext:
    organization_id: str
    fetched_at: datetime
    bucket_width: BucketWidth | None
    """The file's bucket width when the rows alone cannot tell (Anthropic), else None."""


@dataclass(frozen=True, slots=True)
class Mapped:
    event: UsageEvent | CostEvent
    by_name: bool
    """The identity holds a name where the provider has an id (names need not be unique)."""


RowMapper = Callable[[Row, FileContext], Mapped | None]
"""One row -> its event, or None for a row that carries nothing (an empty bucket)."""


def name_or_id(
    row: Row, id_column: str, name_column: str, dims: dict[str, str], dim: str
) -> tuple[str | None, bool]:
    """The id when the file has one; else the name, marked in `dims[dim]`.

    Returns (value for the id field, whether it is a name). A name next to an id stays
    out of the identity: renaming a key or project must not re-key its history.
    """
    ident = row.text(id_column)
    if ident is not None:
        return ident, False
    name = row.text(name_column)
    if name is None:
        return None, False
    dims[dim] = name
    return name, True
