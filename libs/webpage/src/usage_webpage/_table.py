"""Tables: the text alternative of every chart, and the page's own lists.

Each table has a caption, column headers with `scope="col"`, its first cell as the row
header, numbers right-aligned, and sits in a labelled region that takes keyboard focus,
so a table wider than the screen can be scrolled without a mouse.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ._format import esc

__all__ = ["Column", "table"]


@dataclass(frozen=True)
class Column:
    """Cells do not wrap (the region scrolls) unless `wrap` (long free text)."""

    label: str
    numeric: bool = False
    wrap: bool = False


def _class(column: Column) -> str:
    names = [n for n, on in (("num", column.numeric), ("wrap", column.wrap)) if on]
    return f' class="{" ".join(names)}"' if names else ""


def table(
    table_id: str, caption: str, columns: Sequence[Column], rows: Iterable[Sequence[str]]
) -> str:
    """`rows` hold HTML fragments (escaped already), one per column."""
    head = "".join(f'<th scope="col"{_class(c)}>{esc(c.label)}</th>' for c in columns)
    body: list[str] = []
    for row in rows:
        cells = []
        for i, (column, cell) in enumerate(zip(columns, row, strict=True)):
            tag = "th" if i == 0 else "td"
            scope = ' scope="row"' if i == 0 else ""
            cells.append(f"<{tag}{scope}{_class(column)}>{cell}</{tag}>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    if not body:
        span = len(columns)
        body.append(f'<tr><td colspan="{span}">Nothing in this window.</td></tr>')
    tid = esc(table_id)
    return (
        f'<div class="scroll" role="region" aria-labelledby="{tid}-caption" tabindex="0">'
        f'<table id="{tid}"><caption id="{tid}-caption">{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )
