from __future__ import annotations

import os
import signal
from pathlib import Path

import asyncpg
import pytest

from usage_embedded_pg import EmbeddedPostgres, EmbeddedPostgresError
from usage_testing import wait_for

pytestmark = pytest.mark.postgres


async def _fetchval(url: str, query: str) -> object:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        return await connection.fetchval(query)
    finally:
        await connection.close()


def _is_running(pid: int) -> bool:
    try:
        # A zombie (dead, not yet reaped) has an empty command line.
        return bool(Path(f"/proc/{pid}/cmdline").read_bytes())
    except FileNotFoundError:
        return False


async def test_serves_sql_on_localhost_until_stopped(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pg")
    url = server.start()
    try:
        assert url == f"postgresql://postgres@127.0.0.1:{server.port}/postgres"
        assert await _fetchval(url, "select 1") == 1
        assert await _fetchval(url, "show unix_socket_directories") == str(server.socket_dir)
    finally:
        server.stop()
    with pytest.raises(ConnectionRefusedError):
        await asyncpg.connect(url, timeout=10)


async def test_a_data_dir_too_deep_for_a_socket_inside_it_still_starts(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 90) / "pg"
    server = EmbeddedPostgres(deep)
    assert not server.socket_dir.is_relative_to(deep)  # 108 bytes: the kernel's limit
    assert EmbeddedPostgres(deep).socket_dir == server.socket_dir  # a restart finds it
    with server:
        assert await _fetchval(server.url, "select 1") == 1


async def test_restart_on_the_same_data_dir_keeps_data(tmp_path: Path) -> None:
    with EmbeddedPostgres(tmp_path / "pg") as server:
        url = server.ensure_database("usage")
        connection = await asyncpg.connect(url)
        try:
            await connection.execute("create table kept (n int); insert into kept values (42)")
        finally:
            await connection.close()

    with EmbeddedPostgres(tmp_path / "pg") as server:
        # Existing database: no error, same URL shape.
        url = server.ensure_database("usage")
        assert await _fetchval(url, "select n from kept") == 42


async def test_starts_after_the_previous_server_was_killed(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pg")
    url = server.start()
    await _fetchval(url, "select 1")
    pid_file = tmp_path / "pg" / "postmaster.pid"
    postmaster = int(pid_file.read_text().split("\n", 1)[0])
    os.kill(postmaster, signal.SIGKILL)
    await wait_for(
        lambda: not _is_running(postmaster), timeout=10, message="killed postmaster still runs"
    )
    assert pid_file.exists()

    try:
        url = server.start()
        assert await _fetchval(url, "select 1") == 1
    finally:
        server.stop()


async def test_a_recycled_pid_in_postmaster_pid_does_not_block_start(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pg")
    server.start()
    server.stop()
    # As after a reboot: the recorded pid now belongs to an unrelated live process (ours).
    (tmp_path / "pg" / "postmaster.pid").write_text(f"{os.getpid()}\n{tmp_path / 'pg'}\n")

    try:
        url = server.start()
        assert await _fetchval(url, "select 1") == 1
    finally:
        server.stop()


def test_a_failed_start_reports_the_server_log(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pg", settings={"shared_buffers": "lots"})
    with pytest.raises(EmbeddedPostgresError, match=r"postgres\.log") as failure:
        server.start()
    assert 'invalid value for parameter "shared_buffers"' in str(failure.value)
