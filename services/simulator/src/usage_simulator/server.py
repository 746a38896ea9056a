"""Running the simulator: embedded in a test's event loop, or in the foreground for the CLI.

Usage:
    async with SimulatorServer(SimulatorConfig(seed=7)) as sim:
        client = httpx.AsyncClient(base_url=sim.openai_base_url)
        ...

Execution of `SimulatorServer`:
    1. bind the socket here, so the port (0 = any free one) is known before serving;
    2. start uvicorn as a task in the running loop;
    3. wait for uvicorn's startup to finish (an event set right after `started` becomes
       true), racing the serve task and a deadline: never a fixed sleep;
    4. on exit, set `should_exit` and await the task; uvicorn closes the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from types import TracebackType

import uvicorn

from .app import create_app
from .config import SimulatorConfig
from .errors import StartupError

__all__ = ["SimulatorServer", "serve_forever"]

logger = logging.getLogger(__name__)


class _EmbeddedUvicorn(uvicorn.Server):
    """uvicorn that signals readiness and leaves process signals to its host."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Embedded in someone else's process (pytest): Ctrl-C must reach the host.
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


class SimulatorServer:
    """Async context manager serving the simulator on 127.0.0.1 in the current loop.

    Usage:
        async with SimulatorServer(config, port=0) as sim:
            sim.anthropic_base_url  # http://127.0.0.1:PORT
            sim.openai_base_url     # http://127.0.0.1:PORT/v1

    Parameters:
        config: what to serve; defaults to `SimulatorConfig()`.
        host: interface to bind.
        port: TCP port; 0 picks a free one (read it from `.port`).
        startup_timeout: seconds to wait for uvicorn to report `started`.
        shutdown_timeout: seconds to wait for a graceful stop before cancelling.
    """

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 10.0,
        shutdown_timeout: float = 10.0,
    ) -> None:
        self.config = config or SimulatorConfig()
        self.host = host
        self._requested_port = port
        self._startup_timeout = startup_timeout
        self._shutdown_timeout = shutdown_timeout
        self._port: int | None = None
        self._server: _EmbeddedUvicorn | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("SimulatorServer is not running; use `async with`")
        return self._port

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def anthropic_base_url(self) -> str:
        return self.base_url

    @property
    def openai_base_url(self) -> str:
        return f"{self.base_url}/v1"

    async def __aenter__(self) -> SimulatorServer:
        sock = _bind(self.host, self._requested_port)
        port: int = sock.getsockname()[1]
        server = _EmbeddedUvicorn(
            uvicorn.Config(
                create_app(self.config),
                host=self.host,
                port=port,
                lifespan="off",
                ws="none",
                http="h11",
                log_config=None,
                access_log=False,
                timeout_graceful_shutdown=int(self._shutdown_timeout),
            )
        )
        task = asyncio.create_task(server.serve(sockets=[sock]))
        ready = asyncio.create_task(server.ready.wait())
        await asyncio.wait(
            {ready, task}, timeout=self._startup_timeout, return_when="FIRST_COMPLETED"
        )
        if not server.started:
            ready.cancel()
            failure: BaseException | None = None
            if task.done():
                failure = None if task.cancelled() else task.exception()
            else:
                await _stop(server, task, self._shutdown_timeout)
            sock.close()
            raise StartupError(
                f"simulator did not start within {self._startup_timeout}s"
            ) from failure
        self._server, self._task, self._port = server, task, port
        logger.info("simulator serving on %s (seed %d)", self.base_url, self.config.seed)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None and self._task is not None:
            await _stop(self._server, self._task, self._shutdown_timeout)
        self._server = self._task = None
        self._port = None


async def serve_forever(
    config: SimulatorConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    log_level: str = "info",
) -> None:
    """Serve in the foreground until SIGINT/SIGTERM (the CLI's `simulate` command).

    Only the host, port and seed are logged; admin keys never reach a log line
    (access logs show paths and query strings, and keys travel in headers).
    """
    config = config or SimulatorConfig()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            host=host,
            port=port,
            lifespan="off",
            ws="none",
            http="h11",
            log_level=log_level,
        )
    )
    logger.info("provider simulator starting on %s:%d (seed %d)", host, port, config.seed)
    await server.serve()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


async def _stop(server: uvicorn.Server, task: asyncio.Task[None], grace: float) -> None:
    server.should_exit = True
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=grace)
    except TimeoutError:
        server.force_exit = True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
