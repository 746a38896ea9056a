"""The whole document: head, style, the window form, the summary and every section.

No script anywhere: the page works with JavaScript off, and its Content-Security-Policy
(`CSP`, sent by `_routes`) forbids scripts outright and allows exactly this style sheet
by its hash. Keyboard: a skip link first, then the section links, the form and each table
region in order; focus is always outlined.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from datetime import datetime, time
from decimal import Decimal

from ._cache import cache_section
from ._data import PageData
from ._format import data, esc, money, number, when
from ._query import WIDTHS
from ._sources import sources_section
from ._spend import models_section, per_day_section
from ._status import freshness_section, runs_section
from ._svg import PALETTE

__all__ = ["CSP", "render_error", "render_page"]

TITLE = "usage-pipeline: spend and ingestion"

_SECTIONS = (
    ("per-day", "Per day"),
    ("models", "By model"),
    ("cache", "Cache"),
    ("sources", "Reported vs estimated"),
    ("freshness", "Freshness"),
    ("runs", "Ingestion runs"),
)

_STYLE = """
:root { color: #1a1a1a; background: #ffffff; font: 15px/1.45 "DejaVu Sans", Arial, sans-serif; }
body { margin: 0 auto; max-width: 1040px; padding: 0 16px 48px; }
h1 { font-size: 1.5rem; margin: 16px 0 4px; }
h2 { font-size: 1.2rem; margin: 32px 0 8px; border-bottom: 2px solid #1f4e8c; }
a { color: #1f4e8c; }
:focus-visible { outline: 3px solid #b3541e; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { position: static; display: inline-block; padding: 4px 8px; }
nav ul, .legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.legend { font-size: 0.9rem; margin: 4px 0 12px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; }
form.window { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end;
  padding: 8px 12px; background: #f3f5f8; border: 1px solid #c9ced6; }
form.window label { display: block; font-size: 0.85rem; }
input, select, button { font: inherit; padding: 2px 6px; }
dl.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
dl.cards div { border: 1px solid #c9ced6; padding: 8px 12px; min-width: 150px; }
dl.cards dt { font-size: 0.85rem; color: #404040; }
dl.cards dd { margin: 0; font-size: 1.2rem; font-weight: bold; }
.scroll { overflow-x: auto; margin: 8px 0 16px; }
table { border-collapse: collapse; font-size: 0.85rem; min-width: 100%; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border-bottom: 1px solid #d4d4d4; padding: 3px 8px; text-align: left;
  vertical-align: top; white-space: nowrap; }
.wrap { white-space: normal; min-width: 16em; }
figure { margin: 16px 0; }
figcaption { font-weight: bold; margin-bottom: 4px; }
thead th { background: #f3f5f8; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.notice { border-left: 4px solid #a3123a; padding: 6px 12px; background: #fbeff2; }
.bad { color: #a3123a; font-weight: bold; }
.ok { color: #2f7d32; }
footer { margin-top: 32px; font-size: 0.85rem; color: #404040; }
""" + "".join(f".c{i} {{ background: {color}; }}\n" for i, color in enumerate(PALETTE))

_DIGEST = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'sha256-{_DIGEST}'; img-src data:;"
    " form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def _document(body: Iterable[str]) -> str:
    return "".join(
        [
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(TITLE)}</title>",
            # An empty icon, so the browser does not ask for /favicon.ico.
            '<link rel="icon" href="data:,">',
            f"<style>{_STYLE}</style></head><body>",
            '<a class="skip" href="#main">Skip to content</a>',
            *body,
            "</body></html>",
        ]
    )


def _day_value(value: datetime) -> str:
    return value.date().isoformat() if value.time() == time(0) else value.isoformat()


def _form(page: PageData) -> str:
    options = [("", "any (refused when mixed)"), *((w, w) for w in WIDTHS)]
    chosen = page.query.bucket_width or ""
    select = "".join(
        f'<option value="{v}"{" selected" if v == chosen else ""}>{esc(label)}</option>'
        for v, label in options
    )
    return (
        '<form class="window" method="get" aria-label="Window shown">'
        '<div><label for="since">From (UTC day, inclusive)</label>'
        f'<input id="since" name="since" type="date" value="{esc(_day_value(page.since))}"></div>'
        '<div><label for="until">To (UTC day, exclusive)</label>'
        f'<input id="until" name="until" type="date" value="{esc(_day_value(page.until))}"></div>'
        '<div><label for="bucket_width">Bucket width</label>'
        f'<select id="bucket_width" name="bucket_width">{select}</select></div>'
        '<div><button type="submit">Show</button></div></form>'
    )


def _card(label: str, value: str) -> str:
    return f"<div><dt>{esc(label)}</dt><dd>{value}</dd></div>"


def _summary(page: PageData) -> str:
    rows = page.by_provider
    estimated = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
    reported = [r["cost_usd"] for r in page.reported]
    est = sum(estimated, Decimal(0)) if estimated else None
    rep = sum(reported, Decimal(0)) if reported else None
    tokens = {m: sum(r[m] for r in rows) for m in ("input_tokens", "output_tokens")}
    return (
        '<dl class="cards" aria-label="Totals in the window">'
        + _card("Estimated cost", data(est, money(est)))
        + _card("Reported cost", data(rep, money(rep)))
        + _card("Input tokens", data(tokens["input_tokens"], number(tokens["input_tokens"])))
        + _card("Output tokens", data(tokens["output_tokens"], number(tokens["output_tokens"])))
        + "</dl>"
    )


def _header() -> str:
    links = "".join(f'<li><a href="#{anchor}">{esc(text)}</a></li>' for anchor, text in _SECTIONS)
    return (
        f'<header><h1>{esc(TITLE)}</h1><nav aria-label="Sections"><ul>{links}</ul></nav></header>'
    )


def _footer(page: PageData) -> str:
    return (
        f"<footer><p>Generated {esc(when(page.generated_at))} from PostgreSQL. The same"
        " numbers: <code>usage-pipeline report --by provider,day</code>. Operations: "
        '<a href="metrics">metrics</a>, <a href="readyz">readiness</a>.</p></footer>'
    )


def render_page(page: PageData) -> str:
    window = (
        f"<p>Window: <strong>{esc(when(page.since))}</strong> to"
        f" <strong>{esc(when(page.until))}</strong> (UTC, end exclusive)"
        f"{', bucket width ' + esc(page.query.bucket_width) if page.query.bucket_width else ''}"
        ".</p>"
    )
    refused = (
        f'<p class="notice"><strong>Usage not summed:</strong> {esc(page.refused)}</p>'
        if page.refused
        else ""
    )
    return _document(
        [
            _header(),
            '<main id="main" tabindex="-1">',
            _form(page),
            window,
            refused,
            _summary(page),
            per_day_section(page),
            models_section(page),
            cache_section(page),
            sources_section(page),
            freshness_section(page),
            runs_section(page),
            "</main>",
            _footer(page),
        ]
    )


def render_error(message: str) -> str:
    """A page for a request that cannot be shown (bad parameters, no database)."""
    return _document(
        [
            _header(),
            '<main id="main" tabindex="-1">',
            f'<p class="notice"><strong>Cannot show the page:</strong> {esc(message)}</p>',
            '<p><a href="?">Show the default window</a></p></main>',
        ]
    )
