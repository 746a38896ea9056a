"""A PostgreSQL panel query for the foundation SDK, which has builders for Prometheus but
none for Grafana's SQL data sources.

`SqlTarget` serializes as the raw-SQL ("code" editor) query model of Grafana's PostgreSQL
plugin: `rawSql` plus `format` (`table` or `time_series`).
"""

from __future__ import annotations

from typing import Literal

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models.dashboard import DataSourceRef

__all__ = ["SqlFormat", "SqlTarget", "SqlTargetBuilder"]

SqlFormat = Literal["table", "time_series"]


class SqlTarget(cogvariants.Dataquery):
    def __init__(
        self, ref_id: str, raw_sql: str, format_val: SqlFormat, datasource: DataSourceRef
    ) -> None:
        self.ref_id = ref_id
        self.raw_sql = raw_sql
        self.format_val = format_val
        self.datasource = datasource

    def to_json(self) -> dict[str, object]:
        return {
            "datasource": self.datasource,
            "editorMode": "code",
            "format": self.format_val,
            "rawQuery": True,
            "rawSql": self.raw_sql,
            "refId": self.ref_id,
        }


class SqlTargetBuilder(cogbuilder.Builder[cogvariants.Dataquery]):
    """Usage: `panel.with_target(SqlTargetBuilder("A", sql, "table", POSTGRES.ref))`."""

    def __init__(
        self, ref_id: str, raw_sql: str, format_val: SqlFormat, datasource: DataSourceRef
    ) -> None:
        self._target = SqlTarget(ref_id, raw_sql, format_val, datasource)

    def build(self) -> cogvariants.Dataquery:
        return self._target
