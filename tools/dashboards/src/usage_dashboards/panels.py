"""Panel specs and how they become foundation-SDK panels.

A dashboard here is a list of `Section`s (a Grafana row and its panels). A panel is a
small frozen spec: a `SqlPanel` (one raw-SQL query, with the result columns it promises,
which the tests check against a real database) or a `PromPanel` (PromQL queries with
their legends). `build_dashboard` lays them out left to right, wrapping at 24 columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.builders import prometheus, stat, table, timeseries
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import (
    Dashboard,
    DashboardCursorSync,
    Panel,
    VariableModel,
)

from .datasources import Datasource
from .sql import SqlFormat, SqlTargetBuilder

__all__ = [
    "PanelKind",
    "PromPanel",
    "PromQuery",
    "Section",
    "SqlPanel",
    "build_dashboard",
]

PanelKind = Literal["stat", "timeseries", "table"]


@dataclass(frozen=True, slots=True)
class SqlPanel:
    """One panel over one SQL query. `columns` are the names the query returns, in order;
    a `timeseries` query returns `time` first and is sorted by it."""

    title: str
    description: str
    kind: PanelKind
    sql: str
    columns: tuple[str, ...]
    unit: str | None = None
    width: int = 12
    height: int = 8
    stacked: bool = False

    @property
    def format(self) -> SqlFormat:
        return "time_series" if self.kind == "timeseries" else "table"


@dataclass(frozen=True, slots=True)
class PromQuery:
    expr: str
    legend: str = ""


@dataclass(frozen=True, slots=True)
class PromPanel:
    """One panel over PromQL queries; a `stat` evaluates them at the end of the range."""

    title: str
    description: str
    kind: PanelKind
    queries: tuple[PromQuery, ...]
    unit: str | None = None
    width: int = 12
    height: int = 8
    stacked: bool = False


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    panels: tuple[SqlPanel | PromPanel, ...]


def _viz(spec: SqlPanel | PromPanel) -> stat.Panel | table.Panel | timeseries.Panel:
    if spec.kind == "stat":
        reduce = common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False)
        return stat.Panel().reduce_options(reduce).graph_mode(common.BigValueGraphMode.NONE)
    if spec.kind == "table":
        return table.Panel()
    series = timeseries.Panel().fill_opacity(10).show_points(common.VisibilityMode.NEVER)
    if spec.stacked:
        stacking = common_builders.StackingConfig().mode(common.StackingMode.NORMAL)
        series = series.stacking(stacking).fill_opacity(60)
    return series


def _panel(
    spec: SqlPanel | PromPanel, datasource: Datasource, panel_id: int
) -> cogbuilder.Builder[Panel]:
    panel = (
        _viz(spec)
        .id(panel_id)
        .title(spec.title)
        .description(spec.description)
        .datasource(datasource.ref)
        .span(spec.width)
        .height(spec.height)
    )
    if spec.unit is not None:
        panel = panel.unit(spec.unit)
    if isinstance(spec, SqlPanel):
        return panel.with_target(SqlTargetBuilder("A", spec.sql, spec.format, datasource.ref))
    for index, query in enumerate(spec.queries):
        target = (
            prometheus.Dataquery()
            .expr(query.expr)
            .legend_format(query.legend or "__auto")
            .ref_id(chr(ord("A") + index))
            .datasource(datasource.ref)
        )
        target = target.instant() if spec.kind == "stat" else target.range()
        panel = panel.with_target(target)
    return panel


def build_dashboard(
    *,
    uid: str,
    title: str,
    description: str,
    datasource: Datasource,
    variables: Sequence[cogbuilder.Builder[VariableModel]],
    sections: Sequence[Section],
    time_from: str,
    refresh: str | None = None,
) -> Dashboard:
    """A dashboard in UTC (days are UTC days, as in `report`), editable, tagged
    `usage-pipeline`, with the data source variable first."""
    board = (
        builders.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["usage-pipeline"])
        .timezone("utc")
        .time(time_from, "now")
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .with_variable(datasource.variable_builder())
    )
    if refresh is not None:
        board = board.refresh(refresh)
    for variable in variables:
        board = board.with_variable(variable)
    panel_id = 0
    for section in sections:
        panel_id += 1
        board = board.with_row(builders.Row(section.title).id(panel_id))
        for spec in section.panels:
            panel_id += 1
            board = board.with_panel(_panel(spec, datasource, panel_id))
    return board.build()
