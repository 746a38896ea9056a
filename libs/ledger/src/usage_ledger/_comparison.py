"""Lines: two sums side by side for one day (or day x project) and one measure.

`left` is ours (the estimate, or the database), `right` the reference (comparable
reported cost, or the CSV). A side with no rows counts as 0, so a day with priced usage
but no comparable cost (or the reverse) is a DIFF unless it is tiny.

Statuses. A line is ``INCOMPLETE`` when its day x project (any of them, for a day line)
is, whatever its difference: its estimate cannot be checked. Otherwise it is ``DIFF``
when its difference passes the tolerance (`_tolerance`), else ``OK``.

A day is compared overall, then per project where both sides carry project ids (the
cost check passes the days it decided on instead, see `_split`). A null project id on
such a day is a project of its own (Anthropic's default workspace).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from ._tolerance import Tolerance
from ._types import Check, Key, Number, Status

__all__ = ["Line", "compare"]


@dataclass(frozen=True)
class Line:
    """One comparison: `left` (ours: estimate / database) against `right` (the reference:
    reported cost / CSV) for one day, or one day x project when `per_project`."""

    check: Check
    day: date
    project_id: str | None
    per_project: bool
    measure: str
    left: Number
    right: Number
    within: bool
    unpriced_rows: int = 0
    not_estimable: Decimal | None = None  # cost lines only: reported, never compared
    incomplete: bool = False  # cost lines only: the estimate cannot be checked

    @property
    def ok(self) -> bool:
        return self.within and not self.incomplete

    @property
    def diff(self) -> Number:
        return self.left - self.right

    @property
    def diff_pct(self) -> Decimal | None:
        """diff as a percent of the reference side; None when the reference is 0."""
        if self.right == 0:
            return None
        with localcontext() as ctx:
            ctx.prec = 80  # a display ratio: wide enough that quantize never overflows
            return (Decimal(self.diff) * 100 / Decimal(self.right)).quantize(Decimal("0.01"))

    @property
    def status(self) -> Status:
        if self.incomplete:
            return "INCOMPLETE"
        return "OK" if self.within else "DIFF"


def compare(
    check: Check,
    left: Mapping[Key, Mapping[str, Number]],
    right: Mapping[Key, Mapping[str, Number]],
    tolerance: Tolerance,
    *,
    measures: Sequence[str],
    by_project: bool = True,
    unpriced: Mapping[Key, int] | None = None,
    not_estimable: Mapping[Key, Decimal] | None = None,
    incomplete: Collection[Key] = (),
    project_days: Collection[date] | None = None,
) -> list[Line]:
    """Lines per day (all projects), then per day x project where both sides have ids
    (or, when given, on `project_days`).

    `left` and `right` map (day, project_id) to sums per measure; a missing cell is 0.
    The cost check also passes the reported cost set aside (`not_estimable`, shown on
    each line, never compared) and the (day, project) cells whose estimate cannot be
    checked (`incomplete`: their lines, and their day's, are INCOMPLETE).
    """
    unpriced = unpriced or {}
    money = check != "tokens"
    zero: Number = Decimal(0) if money else 0
    cells = {*left, *right, *unpriced, *(not_estimable or {}), *incomplete}
    lines: list[Line] = []

    def line(day: date, project: str | None, per_project: bool, keys: list[Key]) -> None:
        for measure in measures:
            a = sum((left.get(k, {}).get(measure, zero) for k in keys), zero)
            b = sum((right.get(k, {}).get(measure, zero) for k in keys), zero)
            within = (
                tolerance.money_within(Decimal(a - b), Decimal(b))
                if money
                else tolerance.tokens_within(int(a - b))
            )
            lines.append(
                Line(
                    check,
                    day,
                    project,
                    per_project,
                    measure,
                    a,
                    b,
                    within,
                    sum(unpriced.get(k, 0) for k in keys),
                    None
                    if not_estimable is None
                    else sum((not_estimable.get(k, Decimal(0)) for k in keys), Decimal(0)),
                    any(k in incomplete for k in keys),
                )
            )

    for day in sorted({k[0] for k in cells}):
        keys = sorted({k for k in cells if k[0] == day}, key=_project_order)
        line(day, None, False, keys)
        if project_days is not None:
            per_project = day in project_days
        else:
            per_project = _has_ids(left, day) and _has_ids(right, day)
        if by_project and per_project:
            for key in keys:
                line(day, key[1], True, [key])
    return lines


def _has_ids(cells: Iterable[Key], day: date) -> bool:
    return any(d == day and project is not None for d, project in cells)


def _project_order(key: Key) -> tuple[bool, str]:
    return (key[1] is not None, key[1] or "")
