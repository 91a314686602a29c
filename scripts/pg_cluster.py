"""A throwaway PostgreSQL cluster (initdb + pg_ctl) on a free loopback port, for tests and benchmarks.

    python scripts/pg_cluster.py --check      # exit 0 when the binaries (and a non-root user) are there

Run as root, the cluster belongs to the `postgres` user (initdb refuses root) through runuser.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

SERVICE_USER = "postgres"
DB_USER = "alpr"


def pg_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, else the newest /usr/lib/postgresql/<v>/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                      if p.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


def unavailable_reason() -> str:
    """Why a cluster cannot be started here, or "" when it can."""
    if pg_bin_dir() is None:
        return ("PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql "
                "(scripts/ci/install_postgres.sh)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            return f"running as root and there is no {SERVICE_USER!r} user to own the cluster"
        if shutil.which("runuser") is None:
            return "running as root without runuser to drop to the postgres user"
    return ""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """initdb a fresh cluster in a temporary folder, start it, stop and remove it."""

    def __init__(self, *, durable: bool = False) -> None:
        found = pg_bin_dir()
        if found is None:
            raise RuntimeError(unavailable_reason())
        self.bin: Path = found
        self.durable = durable
        self.port = 0
        self.base = Path(tempfile.mkdtemp(prefix="alpr-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the cluster's postgres database."""
        return f"postgresql+psycopg://{DB_USER}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()}\n{log}")

    def start(self) -> str:
        """Create and start the cluster; returns its URL."""
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVICE_USER)
            os.chown(self.base, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", DB_USER, "-E", "UTF8", "--locale=C", "-N")
        self.port = free_port()
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=50"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start")
        return self.url

    def stop(self) -> None:
        """Stop the server and delete the folder."""
        try:
            if self.port:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> PgCluster:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """--check: report whether a cluster can be started here."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    reason = unavailable_reason()
    if args.check:
        print(reason or f"PostgreSQL binaries: {pg_bin_dir()}")
        return 1 if reason else 0
    with PgCluster() as cluster:
        print(cluster.url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
