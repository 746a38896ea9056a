"""A real Prometheus scrapes a running pipeline (`up --simulate` on Kafka and PostgreSQL),
loads the alert and recording rules, and every PromQL expression of the rules and of the
Grafana dashboards evaluates without error; the core panels' expressions return series."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from usage_embedded_pg import free_port
from usage_testing import wait_for

from .prometheus_support import (
    Prometheus,
    check_metrics,
    dashboard_expressions,
    grafana_to_promql,
    prometheus_server,
    rule_expressions,
)

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

CORE_EXPRESSIONS = {
    "fetch request rate": "sum by (provider, endpoint) (rate(usage_fetch_requests_total[1m]))",
    "ingestion runs": "sum by (provider, endpoint, outcome) (usage_ingestion_runs_total)",
    "pages normalized": "sum by (provider, outcome) (usage_normalize_pages_total)",
    "rows written": "sum by (provider, kind, outcome) (usage_writer_rows_total)",
    "batch latency": "histogram_quantile(0.9, sum by (le) (rate("
    "usage_writer_batch_duration_seconds_bucket[1m])))",
    "freshness": "usage:data_age_seconds",
    "watermark": "usage_fetch_watermark_timestamp_seconds",
    "consumer lag": "usage:consumer_lag_messages:max",
    "budget use": "usage:fetch_budget_use:ratio_rate15m",
    "fetch error ratio": "usage:fetch_error_ratio:rate15m",
}
"""Panels every dashboard of this pipeline needs: each must return at least one series
once the pipeline has fetched and written."""


async def start_up(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("wb") as out:  # a file: a pipe nobody reads would block `up` once full
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "usage_pipeline",
            "up",
            "--simulate",
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def scraped(prom: Prometheus, expr: str) -> bool:
    return bool(await prom.query(expr))


async def test_prometheus_scrapes_the_pipeline_and_every_rule_and_panel_evaluates(
    kafka_bootstrap: str,
    database_url: str,
    unique_suffix: str,
    promtool: str,
    prometheus_binary: str,
    tmp_path: Path,
) -> None:
    ops = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith("USAGE_")}
    env = base | {
        "USAGE_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "USAGE_DATABASE_URL": database_url,
        "USAGE_TOPIC_RAW": f"raw-{unique_suffix}",
        "USAGE_TOPIC_EVENTS": f"events-{unique_suffix}",
        "USAGE_TOPIC_DLQ": f"dlq-{unique_suffix}",
        "USAGE_KAFKA_GROUP_PREFIX": f"prom-{unique_suffix}",
        "USAGE_OPS_HOST": "127.0.0.1",
        "USAGE_OPS_PORT": str(ops),
        # One short cycle (the last two hours, so complete buckets exist), then quiet.
        "USAGE_LOOKBACK_HOURS": "2",
        "USAGE_POLL_INTERVAL_SECONDS": "3600",
        "USAGE_CONSUMER_LAG_INTERVAL_SECONDS": "1",
        "USAGE_WRITER_BATCH_TIMEOUT_MS": "100",
    }
    log = tmp_path / "up.log"
    up = await start_up(env, log)
    metrics_url = f"http://127.0.0.1:{ops}/metrics"
    try:
        async with httpx.AsyncClient(timeout=5) as client:

            async def written() -> bool:
                if up.returncode is not None:
                    raise AssertionError("`up` exited before it wrote anything")
                try:
                    text = (await client.get(metrics_url)).text
                except httpx.TransportError:
                    return False
                return 'outcome="inserted"' in text and "usage_consumer_lag_messages{" in text

            await wait_for(written, 120, interval=0.2, message="`up` never wrote rows")
            check_metrics(promtool, (await client.get(metrics_url)).text, "up")

        async with prometheus_server(prometheus_binary, tmp_path, [f"127.0.0.1:{ops}"]) as prom:
            await wait_for(
                lambda: scraped(prom, 'usage_writer_rows_total{outcome="inserted"}'),
                60,
                interval=0.2,
                message="prometheus never scraped the pipeline",
            )

            async def rules_evaluated() -> bool:
                groups = (await prom.api("rules"))["groups"]
                rules = [r for g in groups for r in g["rules"]]
                return len(rules) == len(rule_expressions()) and all(
                    r["health"] == "ok" for r in rules
                )

            await wait_for(rules_evaluated, 60, interval=0.2, message="rules not all evaluated ok")

            expressions = rule_expressions() + [
                (where, grafana_to_promql(expr)) for where, expr in dashboard_expressions()
            ]
            for where, expr in expressions:
                await prom.query(expr, where)

            for panel, expr in CORE_EXPRESSIONS.items():
                await wait_for(
                    lambda e=expr: scraped(prom, e), 60, interval=0.2, message=f"no {panel}"
                )
            # Freshness is labeled with the fetcher's endpoint names: it joins its metrics.
            unjoined = "usage_data_newest_bucket_end_timestamp_seconds unless on (provider,"
            unjoined += " endpoint) usage_ingestion_runs_total"
            assert await prom.query(unjoined) == []

            # A healthy pipeline trips no alert (not even pending).
            async def no_alert() -> bool:
                return await prom.query("ALERTS") == []

            await wait_for(no_alert, 30, message="an alert is pending or firing")
    finally:
        if up.returncode is None:
            up.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(up.wait(), 60)
    assert code == 0, log.read_text()[-3000:]


def test_dashboard_expressions_are_read_from_every_prometheus_target(tmp_path: Path) -> None:
    """The dashboard half of the test above, on a dashboard of Grafana's JSON model (the
    generated dashboards may not exist yet where this runs)."""
    prometheus = {"type": "prometheus", "uid": "prom"}
    dashboard = {
        "panels": [
            {
                "title": "Fetch rate",
                "datasource": prometheus,
                "targets": [
                    {
                        "expr": 'sum(rate(usage_fetch_requests_total{provider=~"$provider"}'
                        "[$__rate_interval]))"
                    }
                ],
            },
            {
                "title": "Spend",
                "datasource": {"type": "grafana-postgresql-datasource", "uid": "pg"},
                "targets": [{"rawSql": "SELECT 1"}],
            },
            {
                "type": "row",
                "title": "Collapsed",
                "panels": [
                    {
                        "title": "Lag",
                        "targets": [
                            {"datasource": prometheus, "expr": "max(usage_consumer_lag_messages)"}
                        ],
                    }
                ],
            },
        ]
    }
    (tmp_path / "operations.json").write_text(json.dumps(dashboard))
    found = dashboard_expressions(tmp_path)
    assert [where for where, _ in found] == [
        "operations.json / Fetch rate",
        "operations.json / Lag",
    ]
    assert grafana_to_promql(found[0][1]) == (
        'sum(rate(usage_fetch_requests_total{provider=~".+"}[1m]))'
    )
