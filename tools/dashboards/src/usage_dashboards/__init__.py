"""Grafana dashboards as code: the Operations (Prometheus) and Spend (PostgreSQL)
dashboards of `deploy/grafana/dashboards/`, built with grafana-foundation-sdk.

A development tool, not part of the product: nothing in the pipeline imports it, and the
SDK is a dev dependency. Run `uv run generate-dashboards` after changing a panel and
commit the JSON; `--check` (and the tests) fail while the files are out of date.

Modules: `panels` (specs and layout), `sql` (the SQL query model the SDK lacks),
`datasources` (the provisioned uids), `metric_names`, `operations`, `spend` and
`spend_queries`, `render` (the files), `cli`.
"""

from .render import DASHBOARDS, render, render_all, stale_files, write_all

__all__ = ["DASHBOARDS", "render", "render_all", "stale_files", "write_all"]
