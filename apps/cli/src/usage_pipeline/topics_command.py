"""`usage-pipeline topics ensure`: create the pipeline's Kafka topics, configured."""

from __future__ import annotations

import typer

from usage_common import ConfigError, Settings
from usage_transport import KafkaConnection, TopicReport, ensure_topic_specs, pipeline_topics

from .cli_support import Verbose, load_settings, run_async, setup_logging

__all__ = ["register"]

topics_app = typer.Typer(help="The pipeline's Kafka topics.", no_args_is_help=True)


async def _ensure(settings: Settings) -> TopicReport:
    if not settings.kafka_bootstrap_servers:
        raise ConfigError("USAGE_KAFKA_BOOTSTRAP_SERVERS must be set to manage topics")
    return await ensure_topic_specs(
        KafkaConnection.from_settings(settings), pipeline_topics(settings)
    )


@topics_app.command("ensure")
def ensure(verbose: Verbose = False) -> None:
    """Create missing topics (raw: retention USAGE_RAW_RETENTION_MS, default forever; DLQ:
    forever; USAGE_TOPIC_PARTITIONS partitions). Existing topics are not altered: their
    differences are listed and the exit code is 1."""
    setup_logging(verbose)
    settings = load_settings()
    report = run_async(_ensure(settings))
    wanted = {s.name: s for s in pipeline_topics(settings)}
    for name in report.created:
        spec = wanted[name]
        details = [f"{spec.partitions} partitions", *(f"{k}={v}" for k, v in spec.configs.items())]
        typer.echo(f"created     {name} ({', '.join(details)})")
    for name in report.existing:
        typer.echo(f"exists      {name}")
    for line in report.differences:
        typer.echo(f"differs     {line}")
    if report.differences:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(topics_app, name="topics")
