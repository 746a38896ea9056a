"""The built-in web page: spend and tokens by provider, model and day, the cache
partition, reported vs estimated cost, freshness per provider and the last ingestion
runs, rendered on the server as HTML with inline SVG charts and no script.

- `_query`: the window and bucket width a request asks for.
- `_data`: one view's numbers, from the ledger (so they are `report`'s) and a runs reader.
- `_svg`: the charts; `_table`: their table alternatives; `_format`: escaping and numbers.
- `_spend`, `_cache`, `_sources`, `_status`: the sections; `_page`: the document and its
  security policy.
- `_routes`: `page_routes`, for any Starlette app (the ops server of `up`, or the
  `dashboard` command).

It imports usage_common, usage_ledger, asyncpg and starlette; never a service (the caller
passes the runs reader) nor the transport (the caller serves the routes).
"""

from ._data import RUNS_SHOWN, PageData, RunsReader, load_page_data
from ._page import CSP, render_error, render_page
from ._query import DEFAULT_DAYS, PageQuery
from ._routes import page_routes

__all__ = [
    "CSP",
    "DEFAULT_DAYS",
    "RUNS_SHOWN",
    "PageData",
    "PageQuery",
    "RunsReader",
    "load_page_data",
    "page_routes",
    "render_error",
    "render_page",
]
