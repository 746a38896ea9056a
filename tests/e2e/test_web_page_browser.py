"""The built-in web page in a real headless Chromium, as a person would open it.

The pipeline ingests three simulated days into a real PostgreSQL; `usage-pipeline
dashboard` serves the page from it in its own process; Chromium (Debian's, driven by
Playwright, no browser download) opens it. The numbers read off the page must equal what
`usage-pipeline report` prints for the same window (and the simulator's own totals), the
runs those of `usage-pipeline runs`; the basics of accessibility are checked (labelled
charts, captions, labels, keyboard order, contrast), the browser must report no error (a
style the security policy blocked would be one), and a screenshot is kept under
`test-artifacts/` (or `$USAGE_TEST_ARTIFACTS`).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from playwright.async_api import Page, async_playwright
from typer.testing import CliRunner

from usage_common import Settings
from usage_embedded_pg import free_port
from usage_pipeline import Pipeline
from usage_pipeline.cli import app
from usage_testing import wait_for

from .expected import canonical_totals

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
SINCE = datetime(2025, 11, 1, tzinfo=UTC)
UNTIL = datetime(2025, 11, 4, tzinfo=UTC)
WINDOW = ("--since", "2025-11-01", "--until", "2025-11-04")
CHROMIUM = os.environ.get("USAGE_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

# page column -> report field
MEASURES = {
    "Input": "input_tokens",
    "Uncached": "input_uncached_tokens",
    "Cache read": "input_cache_read_tokens",
    "Cache write": "input_cache_write_tokens",
    "Output": "output_tokens",
    "Requests": "requests",
    "Rows without a price": "rows_without_cost",
}
CACHE = {
    "Input": "input_tokens",
    "Uncached": "input_uncached_tokens",
    "Cache read": "input_cache_read_tokens",
    "Cache write 5m": "input_cache_write_5m_tokens",
    "Cache write 1h": "input_cache_write_1h_tokens",
}

# Every table as {headers, rows: [[{text, value}]]}; `value` is a <data> element's.
READ_TABLES = """() => Object.fromEntries([...document.querySelectorAll('table')].map(t => [t.id, {
  headers: [...t.querySelectorAll('thead th')].map(h => h.textContent.trim()),
  rows: [...t.querySelectorAll('tbody tr')].map(r => [...r.children].map(c => {
    const d = c.querySelector('data');
    return {text: c.textContent.trim(), value: d ? d.value : null};
  })),
}]))"""


def env(**extra: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("USAGE_")} | extra


def cli(url: str, *args: str) -> Any:
    """The command's JSON output (in this process: the command is what a user runs, the
    interpreter start-up is not what is tested)."""
    out = CliRunner().invoke(app, [*args, "--format", "json"], env={"USAGE_DATABASE_URL": url})
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


@pytest.fixture
async def simulated(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in [n for n in os.environ if n.startswith("USAGE_")]:
        monkeypatch.delenv(name)
    settings = Settings(database_url=database_url, data_dir=tmp_path)
    async with Pipeline(settings, simulate=True, say=lambda _: None) as pipeline:
        tally = await pipeline.run_once(SINCE, UNTIL)
    assert not tally.failed, tally.lines()
    return database_url


@pytest.fixture
async def dashboard(simulated: str) -> AsyncIterator[str]:
    """The page served by `usage-pipeline dashboard` in its own process; its base URL."""
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "usage_pipeline", "dashboard",
        "--database-url", simulated, "--port", str(port),
        env=env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/"
    try:
        async with httpx.AsyncClient(timeout=5) as client:

            async def ready() -> bool:
                if proc.returncode is not None:
                    raise AssertionError("dashboard exited early")
                try:
                    return (await client.get(base + "readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_for(ready, 60, message="the dashboard never became ready")
        yield base
    finally:
        proc.terminate()
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert out.decode().rstrip().endswith("stopped")


def column(table: dict[str, Any], name: str) -> list[dict[str, Any]]:
    index = table["headers"].index(name)
    return [row[index] for row in table["rows"]]


def integer(cell: dict[str, Any]) -> int:
    shown = int(cell["text"].replace(",", ""))
    assert cell["value"] == str(shown)
    return shown


def money(cell: dict[str, Any]) -> Decimal | None:
    if cell["value"] == "":
        assert cell["text"] == "no price"
        return None
    exact = Decimal(cell["value"])
    assert cell["text"] == f"${exact:,.4f}"  # the rounding `report`'s table uses
    return exact


def check_against_report(table: dict[str, Any], report: list[dict[str, Any]], keys: int) -> None:
    """Every row of the page table is the report's row, in the same order."""
    page_keys = [[c["text"] for c in row[:keys]] for row in table["rows"]]
    assert page_keys == [[r[k] or "-" for k in list(r)[:keys]] for r in report]
    for label, field in MEASURES.items():
        assert [integer(c) for c in column(table, label)] == [r[field] for r in report], label
    report_cost = [None if r["cost_usd"] is None else Decimal(r["cost_usd"]) for r in report]
    assert [money(c) for c in column(table, "Estimated cost")] == report_cost


async def accessibility(page: Page) -> None:
    charts = await page.eval_on_selector_all(
        "svg",
        """svgs => svgs.map(s => ({
          role: s.getAttribute('role'),
          names: (s.getAttribute('aria-labelledby') || '').split(' ')
            .map(id => (document.getElementById(id) || {}).textContent || ''),
          caption: (s.closest('figure')?.querySelector('figcaption')?.textContent) || '',
        }))""",
    )
    assert len(charts) == 6
    for chart in charts:
        assert chart["role"] == "img"
        assert len(chart["names"]) == 2 and all(n.strip() for n in chart["names"]), chart
        assert chart["caption"] == chart["names"][0]
    assert await page.get_attribute("html", "lang") == "en"
    unlabelled = await page.eval_on_selector_all(
        "input, select", "els => els.filter(e => !e.labels.length).map(e => e.name)"
    )
    assert unlabelled == []
    captions = await page.eval_on_selector_all("table", "ts => ts.map(t => !!t.caption)")
    assert captions and all(captions)

    # Keyboard: the skip link first, then every section link in order; the skip link
    # moves focus into the content.
    focused = []
    for _ in range(8):
        await page.keyboard.press("Tab")
        focused.append(await page.evaluate("document.activeElement.getAttribute('href')"))
    nav = await page.eval_on_selector_all("nav a", "as => as.map(a => a.getAttribute('href'))")
    assert focused[: 1 + len(nav)] == ["#main", *nav]
    await page.focus("a.skip")
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"
    outline = await page.evaluate(
        "(() => { const a = document.querySelector('nav a'); a.focus();"
        " return getComputedStyle(a).outlineStyle; })()"
    )
    assert outline == "solid"

    # Contrast (WCAG): text at least 4.5:1 against the page background.
    colours = await page.eval_on_selector_all(
        "h1, h2, p, th, td, a, figcaption, .legend li, dt, svg text",
        "els => [...new Set(els.map(e => e.tagName === 'text' ? e.getAttribute('fill')"
        " : getComputedStyle(e).color))]",
    )
    assert all(contrast(c, "rgb(255, 255, 255)") >= 4.5 for c in colours), colours


def _luminance(colour: str) -> float:
    """WCAG relative luminance of `#rrggbb` or `rgb(r, g, b)`."""
    if colour.startswith("#"):
        channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    else:
        channels = [int(float(x)) for x in colour[colour.index("(") + 1 : -1].split(",")[:3]]
    r, g, b = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        for c in (x / 255 for x in channels)
    )
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def artifacts() -> Path:
    folder = Path(os.environ.get("USAGE_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_the_page_shows_reports_numbers_accessibly_in_chromium(
    dashboard: str, simulated: str
) -> None:
    # In a thread: each command runs its own event loop.
    by_day, by_model, by_provider, runs = [
        await asyncio.to_thread(cli, simulated, *args)
        for args in (
            ("report", *WINDOW, "--by", "provider,day"),
            ("report", *WINDOW, "--by", "provider,model"),
            ("report", *WINDOW, "--by", "provider"),
            ("runs", "--last", "20"),
        )
    ]
    assert len(by_day) >= 5 and len(by_model) >= 10 and len(runs) == 14
    conn = await asyncpg.connect(simulated)
    try:
        reported = {
            r["provider"]: r["total"]
            for r in await conn.fetch(
                "SELECT provider, sum(cost_usd) AS total FROM cost_events"
                " WHERE window_start >= $1 AND window_start < $2 GROUP BY 1",
                SINCE,
                UNTIL,
            )
        }
    finally:
        await conn.close()

    started = time.perf_counter()
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1200, "height": 1400})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            answer = await page.goto(f"{dashboard}?since=2025-11-01&until=2025-11-04")
            assert answer is not None and answer.status == 200
            assert "script-src" not in (answer.headers.get("content-security-policy") or "x")
            tables = await page.evaluate(READ_TABLES)

            check_against_report(tables["table-day"], by_day, keys=2)
            check_against_report(tables["table-model"], by_model, keys=2)
            cache = tables["table-cache"]
            assert [c["text"] for c in column(cache, "Provider")] == ["anthropic", "openai"]
            for i, row in enumerate(by_provider):
                expected = canonical_totals(row["provider"], SINCE, UNTIL)
                for label, field in CACHE.items():
                    shown = integer(column(cache, label)[i])
                    assert shown == row[field] == expected[field], (row["provider"], label)
            sources = tables["table-sources"]
            for i, row in enumerate(by_provider):
                assert money(column(sources, "Estimated cost")[i]) == Decimal(row["cost_usd"])
                assert money(column(sources, "Reported cost")[i]) == reported[row["provider"]]
            assert [c["text"] for c in column(tables["table-runs"], "Endpoint")] == [
                f"{r['provider']}/{r['endpoint']}" for r in reversed(runs)
            ]
            assert {c["text"] for c in column(tables["table-runs"], "Outcome")} == {"ok"}
            assert {c["text"] for c in column(tables["table-freshness"], "Provider")} == {
                "anthropic",
                "openai",
            }
            total = await page.get_attribute("dl.cards dd data", "value")
            assert Decimal(total or "") == sum(Decimal(r["cost_usd"]) for r in by_provider)

            await accessibility(page)
            folder = artifacts()
            await page.screenshot(path=str(folder / "web-page.png"), full_page=True)
            await page.screenshot(path=str(folder / "web-page-top.png"))
        finally:
            await browser.close()
    assert errors == []
    print(f"chromium part: {time.perf_counter() - started:.1f} s")
