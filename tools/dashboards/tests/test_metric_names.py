"""Every metric the Operations dashboard queries is one a service exports, so a renamed
metric cannot leave a panel empty."""

from __future__ import annotations

import json
import re

import prometheus_client

# Imported for their side effect: each registers its metrics in the default registry.
import usage_fetcher.metrics
import usage_normalizer.metrics
import usage_transport
import usage_writer.metrics
from usage_dashboards import metric_names, render_all

_MODULES = (usage_fetcher.metrics, usage_normalizer.metrics, usage_writer.metrics, usage_transport)
_NAME = re.compile(r"\busage_[a-z0-9_]+\b")


def exported() -> set[str]:
    """The metrics the services register, named as PromQL names them: a counter with its
    `_total`, a histogram by its base name (queries add `_bucket`)."""
    assert _MODULES
    return {
        family.name + ("_total" if family.type == "counter" else "")
        for family in prometheus_client.REGISTRY.collect()
    }


def queried() -> set[str]:
    """Metric names in the dashboard's PromQL, histogram `_bucket` series by their base."""
    board = json.loads(render_all()["operations.json"])
    exprs = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
    return {n.removesuffix("_bucket") for e in exprs for n in _NAME.findall(e)}


def test_every_queried_metric_is_exported() -> None:
    assert queried() - exported() == set()


def test_every_named_metric_is_queried() -> None:
    named = {v for k, v in vars(metric_names).items() if k.isupper() and isinstance(v, str)}
    assert named - queried() == set()
