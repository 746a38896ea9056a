"""A Kafka login that cannot work stops the commands that talk to Kafka before they connect,
with exit 2, naming the variables and never the password."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from usage_pipeline.cli import app

runner = CliRunner()
SECRET = "s3cret-kafka-never-shown"


@pytest.mark.parametrize(
    "args", [["topics", "ensure"], ["service", "normalizer"]], ids=["topics", "service"]
)
def test_sasl_without_a_username_exits_2_without_the_password(args: list[str]) -> None:
    env = {
        "USAGE_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        "USAGE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "USAGE_KAFKA_SASL_PASSWORD": SECRET,
        "USAGE_KAFKA_SASL_USERNAME": "",
    }
    out = runner.invoke(app, args, env=env)
    assert out.exit_code == 2, out.output
    assert "USAGE_KAFKA_SASL_USERNAME" in out.output
    assert SECRET not in out.output


def test_an_unknown_protocol_exits_2_naming_the_variable() -> None:
    out = runner.invoke(
        app, ["topics", "ensure"], env={"USAGE_KAFKA_SECURITY_PROTOCOL": "KERBEROS"}
    )
    assert out.exit_code == 2
    assert "USAGE_KAFKA_SECURITY_PROTOCOL" in out.output
