from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from usage_webpage._svg import Chart, Number, Series, _ticks, bars, columns, figure, shares

SVG = "{http://www.w3.org/2000/svg}"


def chart(*series: Series, categories: tuple[str, ...] = ("a", "b")) -> Chart:
    return Chart("c1", "Cost <by> day", "A & B.", categories, series, lambda v: f"${v}", "table-x")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # also proves the markup is well-formed XML


def rects(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{SVG}rect")


@pytest.mark.parametrize("draw", [columns, bars, shares])
def test_every_chart_is_an_image_labelled_by_its_own_title_and_description(draw: object) -> None:
    root = parse(draw(chart(Series("x", (Decimal("1.5"), 2)))))  # type: ignore[operator]
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Cost <by> day"  # escaped in the markup, intact once parsed
    assert desc.text is not None and "table-x" in desc.text


def test_stacked_columns_add_up_and_each_bar_says_its_exact_value() -> None:
    root = parse(columns(chart(Series("p", (1, 3)), Series("q", (Decimal("1.25"), 0)))))
    tips = [r.find(f"{SVG}title").text for r in rects(root)]  # type: ignore[union-attr]
    assert tips == ["p, a: $1", "q, a: $1.25", "p, b: $3", "q, b: $0"]
    heights = [float(r.get("height", "0")) for r in rects(root)]
    # a = 1 + 1.25 = 2.25, b = 3: the stacks keep that proportion
    assert heights[0] + heights[1] == pytest.approx((heights[2] + heights[3]) * 2.25 / 3, rel=1e-2)


def test_a_negative_value_draws_no_bar() -> None:
    root = parse(bars(chart(Series("p", (Decimal("-5"), 2)))))
    widths = [float(r.get("width", "0")) for r in rects(root)]
    assert widths[0] == 0 and widths[1] > 0


def test_side_by_side_bars_do_not_overlap() -> None:
    root = parse(bars(chart(Series("p", (1, 2)), Series("q", (2, 1))), stacked=False))
    ys = [float(r.get("y", "0")) for r in rects(root)]
    assert len(set(ys)) == 4


def test_shares_fill_the_whole_row() -> None:
    root = parse(shares(chart(Series("p", (1, 0)), Series("q", (3, 0)))))
    widths = [float(r.get("width", "0")) for r in rects(root)]
    assert widths[1] == pytest.approx(3 * widths[0], rel=1e-2)
    assert "(75.0%)" in (rects(root)[1].find(f"{SVG}title").text or "")  # type: ignore[union-attr]


def test_no_data_says_so_and_keeps_its_title() -> None:
    root = parse(columns(chart(Series("p", (0, 0)))))
    assert rects(root) == []
    assert "No data" in "".join(root.itertext())


def test_the_legend_names_each_series_in_text() -> None:
    c = chart(Series("anthropic <x>", (1, 1)), Series("openai", (1, 1)))
    html = figure(c, columns(c))
    assert re.findall(r"</span>([^<]*)</li>", html) == ["anthropic &lt;x&gt;", "openai"]


@pytest.mark.parametrize(
    ("top", "expected"),
    [(0, [0.0, 1.0]), (7, [0, 2, 4, 6, 8]), (950, [0, 250, 500, 750, 1000]), (0.03, None)],
)
def test_ticks_are_round_and_reach_the_top(top: Number, expected: list[float] | None) -> None:
    ticks = _ticks(float(top))
    assert ticks[0] == 0 and ticks[-1] >= float(top)
    if expected is not None:
        assert ticks == pytest.approx(expected)
