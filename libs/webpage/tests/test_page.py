from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from usage_common import USAGE_MEASURES
from usage_ledger import Freshness
from usage_webpage import CSP, PageData, PageQuery, render_error, render_page

SINCE = datetime(2025, 11, 1, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=3)
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def usage(provider: str, **keys: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"provider": provider, **keys}
    row.update({m: 1000 for m in USAGE_MEASURES})
    row.update(input_cache_read_tokens=250, input_uncached_tokens=500)
    row.update(input_cache_write_tokens=250, input_cache_write_5m_tokens=100)
    row.update(input_cache_write_1h_tokens=50)
    return row | {"cost_usd": Decimal("1.23456789"), "rows_without_cost": 2}


def run(outcome: str, error: str | None) -> dict[str, Any]:
    return {
        "id": 1, "run_id": "r1", "trigger": "cycle", "credential_id": "acme " + EVIL,
        "organization_id": "o", "provider": "openai", "endpoint": "costs",
        "bucket_width": "1d", "window_start": SINCE, "window_end": UNTIL,
        "started_at": SINCE, "finished_at": SINCE + timedelta(seconds=3), "pages": 2,
        "records": 10, "requests": 3, "retries": 1, "rate_limited": 1,
        "errors_by_code": {"429": 1}, "outcome": outcome, "error": error,
    }  # fmt: skip


PAGE = PageData(
    PageQuery(),
    SINCE,
    UNTIL,
    UNTIL + timedelta(hours=2),
    by_provider=[usage("anthropic"), usage("openai")],
    by_day=[usage("anthropic", day="2025-11-02"), usage("openai", day="2025-11-01")],
    by_model=[usage("openai", model=EVIL), usage("openai", model=None)],
    reported=[{"provider": "openai", "day": "2025-11-01", "cost_usd": Decimal("-0.5")}],
    freshness=[Freshness("openai", "completions", UNTIL, UNTIL, UNTIL - timedelta(hours=1))],
    runs=[run("ok", None), run("error", f"HTTP 500 {EVIL}")],
)


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data
        self.text.append(data)


def parse(html: str) -> Collect:
    parser = Collect()
    parser.feed(html)
    return parser


def test_text_from_the_database_is_shown_as_text_never_as_markup() -> None:
    doc = parse(render_page(PAGE))
    assert not [t for t, _ in doc.tags if t in ("script", "img", "iframe", "object")]
    assert not [a for _, attrs in doc.tags for a in attrs if a.startswith("on")]
    text = "".join(doc.text)
    assert EVIL in text  # the model name, the credential and the error, verbatim
    assert "HTTP 500 " + EVIL in text


def test_the_security_policy_forbids_scripts_and_allows_exactly_the_page_style() -> None:
    doc = parse(render_page(PAGE))
    digest = base64.b64encode(hashlib.sha256(doc.style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in CSP
    assert "default-src 'none'" in CSP and "script-src" not in CSP


def test_every_chart_is_labelled_and_every_table_has_a_caption_and_headers() -> None:
    html = render_page(PAGE)
    doc = parse(html)
    svgs = [a for t, a in doc.tags if t == "svg"]
    assert len(svgs) == 6
    ids = {a.get("id") for _, a in doc.tags}
    for svg in svgs:
        assert svg["role"] == "img"
        labels = (svg.get("aria-labelledby") or "").split()
        assert len(labels) == 2 and set(labels) <= ids
    assert html.count("<figure>") == html.count("<figcaption>") == len(svgs)
    assert html.count("<table") == html.count("<caption") == 7
    assert html.count('scope="col"') > 0 and "<th>" not in html
    # a scrollable table region is reachable and named for keyboard users
    assert html.count('role="region"') == 7 and html.count('tabindex="0"') == 7


def test_money_keeps_its_exact_value_beside_the_rounded_one() -> None:
    html = render_page(PAGE)
    assert '<data value="1.23456789">$1.2346</data>' in html
    assert '<data value="-0.5">-$0.5000</data>' in html
    assert '<data value="">no price</data>' in html  # a provider with no cost report


def test_the_runs_say_in_words_which_failed() -> None:
    html = render_page(PAGE)
    assert "<strong>1 failed</strong>" in html
    assert '<span class="bad">error</span>' in html
    assert "429×1" in html


def test_the_cache_partition_and_hit_ratio() -> None:
    html = render_page(PAGE)
    # 250 of 1000 input tokens read from the cache; 250 - 100 - 50 written without a TTL
    assert '<data value="0.25">25.0%</data>' in html
    assert '<data value="100">100</data>' in html


def test_a_refusal_is_shown_instead_of_sums() -> None:
    page = PageData(PageQuery(bucket_width="1h"), SINCE, UNTIL, UNTIL, refused="mixed <widths>")
    html = render_page(page)
    assert "mixed &lt;widths&gt;" in html
    assert re.search(r'<option value="1h" selected>', html)


def test_an_error_page_escapes_its_message() -> None:
    assert "&lt;b&gt;" in render_error("<b>") and "<b>" not in render_error("<b>")
