"""The two data sources the dashboards read, as provisioned in
`deploy/grafana/provisioning/datasources/usage.yaml` (a test keeps the two in step).

Panels name a data source through a dashboard variable whose default is the provisioned
uid, so the same JSON also works in a Grafana whose data sources have other uids: pick
them in the variable's drop-down.
"""

from __future__ import annotations

from dataclasses import dataclass

from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.models.dashboard import DataSourceRef, VariableOption

__all__ = ["POSTGRES", "PROMETHEUS", "Datasource"]


@dataclass(frozen=True, slots=True)
class Datasource:
    """A provisioned data source: its plugin `type`, `uid`, display `name`, and the name
    of the dashboard variable that selects it."""

    type: str
    uid: str
    name: str
    variable: str

    @property
    def ref(self) -> DataSourceRef:
        """What panels and targets carry: the variable, resolved by Grafana at load."""
        return DataSourceRef(type_val=self.type, uid=f"${{{self.variable}}}")

    def variable_builder(self) -> builders.DatasourceVariable:
        return (
            builders.DatasourceVariable(self.variable)
            .label("Data source")
            .type(self.type)
            .current(VariableOption(selected=True, text=self.name, value=self.uid))
        )


PROMETHEUS = Datasource(
    type="prometheus", uid="usage-prometheus", name="Prometheus", variable="datasource"
)
# Grafana 11 names the bundled PostgreSQL plugin `grafana-postgresql-datasource`.
POSTGRES = Datasource(
    type="grafana-postgresql-datasource",
    uid="usage-postgres",
    name="Usage PostgreSQL",
    variable="datasource",
)
