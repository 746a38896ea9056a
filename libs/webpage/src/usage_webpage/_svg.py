"""Charts as inline SVG, drawn here in Python: no script, no library, nothing fetched.

Every chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>` (which
names the table holding the same numbers), and every bar has a `<title>` with its exact
value for a mouse pointer. Colours come from `PALETTE`, each at least 4.5:1 against the
white background, with a white gap between stacked parts so neighbours stay apart; the
legend is HTML text (`figure`), so a colour is never the only label. Values are exact Decimals and
ints; they become floats only as pixel positions. A negative value (a credit on a cost
report) is drawn as no bar; its table row shows it.

Three shapes: `columns` (categories along x, e.g. days), `bars` (one row per category,
e.g. models) and `shares` (one row per category split into 100%, e.g. the cache
partition).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ._format import Number, esc

__all__ = ["PALETTE", "Chart", "Number", "Series", "bars", "columns", "figure", "shares"]


PALETTE: tuple[str, ...] = (
    "#1f4e8c",  # blue
    "#b3541e",  # rust
    "#2f7d32",  # green
    "#7b3294",  # purple
    "#a3123a",  # crimson
    "#0f6e6e",  # teal
    "#5b5b5b",  # grey
    "#8a6d00",  # ochre
)

_TEXT = "#222222"
_GRID = "#d4d4d4"
_WIDTH = 960


@dataclass(frozen=True)
class Series:
    """One coloured part of every category: a provider, a token kind."""

    name: str
    values: tuple[Number, ...]


@dataclass(frozen=True)
class Chart:
    """What a chart shows. `chart_id` prefixes the ids of its title and description and
    must be unique on the page; `table_id` is the table with the same numbers; `fmt`
    writes one value (axis ticks use a short form of it)."""

    chart_id: str
    title: str
    desc: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    fmt: Callable[[Number], str]
    table_id: str
    money: bool = False
    labels: tuple[str, ...] | None = None
    """Shorter category labels for the axis (e.g. `11-03` for `2025-11-03`)."""


def _color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least `top`."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def _short(value: float, money: bool) -> str:
    """An axis label: 1.5M, 250k, 0.25."""
    sign = "$" if money else ""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{sign}{value / limit:.3g}{suffix}"
    return f"{sign}{value:.3g}"


def _open(chart: Chart, height: int) -> list[str]:
    cid = esc(chart.chart_id)
    desc = f"{chart.desc} The same numbers are in the table below ({chart.table_id})."
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" id="{cid}"'
        f' aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {_WIDTH} {height}"'
        f' width="100%" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
        f'<title id="{cid}-title">{esc(chart.title)}</title>',
        f'<desc id="{cid}-desc">{esc(desc)}</desc>',
    ]


def _empty(chart: Chart) -> str:
    parts = _open(chart, 60)
    parts.append(f'<text x="12" y="36" fill="{_TEXT}">No data in this window.</text></svg>')
    return "".join(parts)


def _has_data(chart: Chart) -> bool:
    return bool(chart.categories) and any(v > 0 for s in chart.series for v in s.values)


def _rect(x: float, y: float, w: float, h: float, color: str, tip: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}"'
        f' fill="{color}" stroke="#ffffff" stroke-width="1"><title>{esc(tip)}</title></rect>'
    )


def _tip(chart: Chart, series: Series, index: int) -> str:
    name = f"{series.name}, " if len(chart.series) > 1 else ""
    return f"{name}{chart.categories[index]}: {chart.fmt(series.values[index])}"


def _tops(chart: Chart, stacked: bool) -> float:
    heights = [
        sum(max(float(s.values[i]), 0.0) for s in chart.series)
        if stacked
        else max(max(float(s.values[i]), 0.0) for s in chart.series)
        for i in range(len(chart.categories))
    ]
    return max(heights, default=0.0)


def columns(chart: Chart, *, stacked: bool = True) -> str:
    """Vertical bars, one band per category; the series stacked or side by side."""
    if not _has_data(chart):
        return _empty(chart)
    left, right, top, bottom, height = 72, 12, 14, 40, 300
    plot_w, plot_h = _WIDTH - left - right, height - top - bottom
    ticks = _ticks(_tops(chart, stacked))
    scale = plot_h / ticks[-1]
    parts = _open(chart, height)
    for t in ticks:
        y = top + plot_h - t * scale
        parts.append(
            f'<line x1="{left}" x2="{_WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}"'
            f' stroke="{_GRID}"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end"'
            f' fill="{_TEXT}">{esc(_short(t, chart.money))}</text>'
        )
    n = len(chart.categories)
    band = plot_w / n
    every = math.ceil(n / 16)
    labels = chart.labels or chart.categories
    for i in range(n):
        x0 = left + i * band
        if stacked:
            y = top + plot_h
            for k, s in enumerate(chart.series):
                h = max(float(s.values[i]), 0.0) * scale
                y -= h
                parts.append(
                    _rect(x0 + band * 0.15, y, band * 0.7, h, _color(k), _tip(chart, s, i))
                )
        else:
            width = band * 0.8 / len(chart.series)
            for k, s in enumerate(chart.series):
                h = max(float(s.values[i]), 0.0) * scale
                x = x0 + band * 0.1 + k * width
                parts.append(_rect(x, top + plot_h - h, width, h, _color(k), _tip(chart, s, i)))
        if i % every == 0:
            parts.append(
                f'<text x="{x0 + band / 2:.1f}" y="{top + plot_h + 18}" text-anchor="middle"'
                f' fill="{_TEXT}">{esc(labels[i])}</text>'
            )
    parts.append(
        f'<line x1="{left}" x2="{_WIDTH - right}" y1="{top + plot_h}" y2="{top + plot_h}"'
        f' stroke="{_TEXT}"/></svg>'
    )
    return "".join(parts)


def _clip(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bars(chart: Chart, *, stacked: bool = True) -> str:
    """Horizontal bars, one row per category (labelled at its left), series stacked."""
    if not _has_data(chart):
        return _empty(chart)
    label_w, right, top = 290, 24, 26
    row = 26 if stacked else 10 + 12 * len(chart.series)
    plot_w = _WIDTH - label_w - right
    height = top + row * len(chart.categories) + 8
    ticks = _ticks(_tops(chart, stacked))
    scale = plot_w / ticks[-1]
    parts = _open(chart, height)
    for t in ticks:
        x = label_w + t * scale
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{height - 8}"'
            f' stroke="{_GRID}"/><text x="{x:.1f}" y="{top - 10}" text-anchor="middle"'
            f' fill="{_TEXT}">{esc(_short(t, chart.money))}</text>'
        )
    labels = chart.labels or chart.categories
    for i, label in enumerate(labels):
        y = top + i * row
        parts.append(
            f'<text x="{label_w - 8}" y="{y + row / 2 + 4:.1f}" text-anchor="end"'
            f' fill="{_TEXT}">{esc(_clip(label))}</text>'
        )
        x = float(label_w)
        # Side by side: each series gets its own slice of the row.
        slice_h = (row - 8) / (1 if stacked else len(chart.series))
        for k, s in enumerate(chart.series):
            w = max(float(s.values[i]), 0.0) * scale
            top_k = y + 4 + (0 if stacked else k * slice_h)
            parts.append(_rect(x, top_k, w, slice_h, _color(k), _tip(chart, s, i)))
            if stacked:
                x += w
    parts.append("</svg>")
    return "".join(parts)


def shares(chart: Chart) -> str:
    """One row per category split into its series' shares of 100%."""
    if not _has_data(chart):
        return _empty(chart)
    label_w, right, top, row = 150, 24, 26, 34
    plot_w = _WIDTH - label_w - right
    height = top + row * len(chart.categories) + 8
    parts = _open(chart, height)
    for pct in (0, 25, 50, 75, 100):
        x = label_w + plot_w * pct / 100
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{height - 8}"'
            f' stroke="{_GRID}"/><text x="{x:.1f}" y="{top - 10}" text-anchor="middle"'
            f' fill="{_TEXT}">{pct}%</text>'
        )
    for i, label in enumerate(chart.labels or chart.categories):
        y = top + i * row
        parts.append(
            f'<text x="{label_w - 8}" y="{y + row / 2 + 4:.1f}" text-anchor="end"'
            f' fill="{_TEXT}">{esc(_clip(label, 20))}</text>'
        )
        total = sum(max(float(s.values[i]), 0.0) for s in chart.series)
        x = float(label_w)
        for k, s in enumerate(chart.series):
            part = max(float(s.values[i]), 0.0)
            w = plot_w * part / total if total else 0.0
            share = f" ({100 * part / total:.1f}%)" if total else ""
            parts.append(_rect(x, y + 4, w, row - 8, _color(k), _tip(chart, s, i) + share))
            x += w
    parts.append("</svg>")
    return "".join(parts)


def figure(chart: Chart, svg: str) -> str:
    """The chart with its title shown above and its colour key, as text, below (swatch
    classes `c0`..`c7` are styled by the page). A single series needs no key."""
    items = "".join(
        f'<li><span class="swatch c{i % len(PALETTE)}" aria-hidden="true"></span>{esc(s.name)}</li>'
        for i, s in enumerate(chart.series)
    )
    key = f'<ul class="legend" aria-label="Legend">{items}</ul>' if len(chart.series) > 1 else ""
    return f"<figure><figcaption>{esc(chart.title)}</figcaption>{svg}{key}</figure>"
