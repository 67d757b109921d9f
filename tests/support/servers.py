"""Real PostgreSQL and Redis servers for the tests: a temporary folder, a free loopback port each.

PostgreSQL refuses to run as root, so as root its processes run as `nobody`. A missing binary
raises ServerMissing; the fixtures (tests/conftest.py) turn that into a failure with CI set and a
skip elsewhere, and `make bench` into a line saying what it left out.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from bot.local_slack.launcher import free_port

START_TIMEOUT = 30.0

T = TypeVar("T")


class ServerMissing(RuntimeError):
    """The machine has no such server; the message says how to install it."""


def _missing(what: str) -> ServerMissing:
    return ServerMissing(f"{what} not found (apt-get install -y postgresql redis-server)")


def needed(make: Callable[[], T]) -> T:
    """`make()` a server for a test: a missing binary fails the run with CI set, else skips."""
    try:
        return make()
    except ServerMissing as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs {error}", pytrace=False)
        pytest.skip(str(error))


def _postgres_bin() -> Path | None:
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "postgres").exists() and Path(folder, "initdb").exists():
            return Path(folder)
    found = shutil.which("postgres")
    return Path(found).parent if found and shutil.which("initdb") else None


class PostgresServer:
    """initdb once, then `start` / `stop` as often as a test needs (the data survives)."""

    def __init__(self) -> None:
        binaries = _postgres_bin()
        if binaries is None:
            raise _missing("PostgreSQL (initdb, postgres)")
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="rolefit-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.user = "nobody" if os.geteuid() == 0 else None
        self.process: subprocess.Popen[bytes] | None = None
        if self.user:
            shutil.chown(self.folder, user=self.user)
        self._run(
            self.bin / "initdb",
            "-D",
            str(self.data),
            "-U",
            "rolefit",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        )

    def _run(self, *args: object) -> None:
        subprocess.run(
            [str(a) for a in args],
            check=True,
            capture_output=True,
            user=self.user,
            group="nogroup" if self.user else None,
            extra_groups=[] if self.user else None,
            cwd=self.folder,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://rolefit@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        log = open(self.folder / "postgres.log", "ab")  # noqa: SIM115 - the server's stderr
        self.process = subprocess.Popen(
            [
                str(self.bin / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-h",
                "127.0.0.1",
                "-k",
                str(self.folder),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
            user=self.user,
            group="nogroup" if self.user else None,
            extra_groups=[] if self.user else None,
        )
        log.close()
        _wait_for_port(self.port, self.process, "PostgreSQL")
        self._wait_accepting()

    def _wait_accepting(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            done = subprocess.run(
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if done.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not accept connections")

    def stop(self) -> None:
        """A fast shutdown (SIGINT): connections are closed, the data kept."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(2)
            self.process.wait(timeout=30)
        self.process = None

    def create_database(self, name: str) -> str:
        self._run(
            self.bin / "psql",
            "-h",
            "127.0.0.1",
            "-p",
            self.port,
            "-U",
            "rolefit",
            "-d",
            "postgres",
            "-c",
            f"CREATE DATABASE {name}",
        )
        return self.url(name)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class RedisServer:
    """`redis-server` without persistence; `stop` and `start` again keep the same port."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise _missing("redis-server")
        self.binary = binary
        self.folder = Path(tempfile.mkdtemp(prefix="rolefit-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port, self.process, "redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    import socket

    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited during start-up ({process.returncode})")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start on port {port}")
