"""`usage-pipeline dashboard`: the built-in web page alone, against any database.

The same page `up` serves on its ops port (`usage_webpage`), with `/healthz`, `/readyz`
and `/metrics` beside it. The database is `--database-url`, else `USAGE_DATABASE_URL`,
else the embedded one (`database.database_url`, the one place with that fallback). It
only reads; a database at another schema version is refused (exit 2).
"""

from __future__ import annotations

from typing import Annotated

import typer

from usage_common import Settings
from usage_fetcher import FetchState
from usage_transport import create_ops_app, serve_ops
from usage_webpage import page_routes

from .cli_support import Verbose, load_settings, run_async, setup_logging
from .database import database_url
from .signals import stop_on_signals

__all__ = ["register", "serve_dashboard"]


async def serve_dashboard(settings: Settings, host: str, port: int) -> None:
    """Serve the page until SIGINT/SIGTERM."""
    async with database_url(settings, typer.echo) as url:
        state = await FetchState.connect(url)  # checks the schema version
        try:
            app = create_ops_app({"postgres": state.ping}, routes=page_routes(url, state.runs))
            async with serve_ops(app, host, port) as bound:
                typer.echo(f"serving the web page on http://{host}:{bound}/ ; Ctrl-C stops")
                await stop_on_signals().wait()
        finally:
            await state.close()
    typer.echo("stopped")


def dashboard(
    url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="PostgreSQL URL to read (default: USAGE_DATABASE_URL, else the embedded one)",
        ),
    ] = None,
    host: Annotated[
        str, typer.Option("--host", help="address to bind; 0.0.0.0 inside a container")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port")] = 8080,
    verbose: Verbose = False,
) -> None:
    """Serve the web page (spend, tokens, cache, cost sources, freshness, runs) alone."""
    setup_logging(verbose)
    settings = load_settings()
    if url:
        settings = settings.model_copy(update={"database_url": url})
    run_async(serve_dashboard(settings, host, port))


def register(app: typer.Typer) -> None:
    app.command()(dashboard)
