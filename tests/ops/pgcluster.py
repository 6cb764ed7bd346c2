"""Throw-away PostgreSQL clusters on loopback for the hot-standby test (tests/ops/test_standby.py).

A private primary (initdb in a temp dir, its own port, `wal_level=replica`)
rather than the machine's shared server: `pg_basebackup` of a shared cluster
would copy every other database on it, and allowing replication there means
changing its pg_hba. Run as the `postgres` system user when we are root
(PostgreSQL refuses to run as root). `stop_all` kills what was started, on
success or failure.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


def bindir() -> Path | None:
    """The server binaries (initdb, pg_ctl, postgres, pg_basebackup) of the newest installed major version."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError("no free port")


@dataclass
class Cluster:
    name: str
    datadir: Path
    port: int
    log: Path
    started: bool = False

    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"


@dataclass
class Clusters:
    root: Path
    bin: Path
    as_user: str | None = None
    all: list[Cluster] = field(default_factory=list)

    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {result.stdout}{result.stderr}")
        return result

    def _own(self, path: Path) -> None:
        if self.as_user:
            entry = pwd.getpwnam(self.as_user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def new_dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(mode=0o700)
        self._own(path)
        return path

    def primary(self, port: int) -> Cluster:
        datadir = self.new_dir("primary")
        self._run("initdb", "-D", str(datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        with (datadir / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
                       "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n"
                       "synchronous_commit = off\nfull_page_writes = on\nshared_buffers = 32MB\n")
        # initdb's trust rules already allow replication from 127.0.0.1; say so explicitly.
        with (datadir / "pg_hba.conf").open("a") as hba:
            hba.write("\nhost replication postgres 127.0.0.1/32 trust\n")
        return self._add("primary", datadir, port)

    def replica_of(self, primary: Cluster, port: int) -> Cluster:
        datadir = self.root / "replica"
        self._own(self.root)
        # -R writes primary_conninfo and standby.signal: a streaming hot standby.
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D", str(datadir),
                  "-R", "-X", "stream", "-c", "fast")
        with (datadir / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {port}\n")
        return self._add("replica", datadir, port)

    def _add(self, name: str, datadir: Path, port: int) -> Cluster:
        log = self.root / f"{name}.log"
        log.touch()
        self._own(log)
        cluster = Cluster(name, datadir, port, log)
        self.all.append(cluster)
        return cluster

    def start(self, cluster: Cluster) -> None:
        self._run("pg_ctl", "-D", str(cluster.datadir), "-l", str(cluster.log), "-w", "-t", "60", "start")
        cluster.started = True

    def promote(self, cluster: Cluster) -> None:
        self._run("pg_ctl", "-D", str(cluster.datadir), "-w", "-t", "60", "promote")

    def stop(self, cluster: Cluster, mode: str = "fast") -> None:
        if cluster.started:
            self._run("pg_ctl", "-D", str(cluster.datadir), "-m", mode, "-w", "-t", "60", "stop", check=False)
            cluster.started = False

    def stop_all(self) -> None:
        for cluster in reversed(self.all):
            self.stop(cluster, "immediate")


def make_clusters(root: Path) -> Clusters:
    found = bindir()
    if found is None:
        raise RuntimeError("PostgreSQL server binaries not found (set PG_BINDIR)")
    as_user = None
    if os.geteuid() == 0:
        as_user = "postgres"
        pwd.getpwnam(as_user)  # KeyError if the system has no postgres user
    root.mkdir(parents=True, exist_ok=True)
    clusters = Clusters(root, found, as_user)
    clusters._own(root)
    return clusters


def wait_for(fn, timeout: float = 30.0, interval: float = 0.2):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = fn()
            if value:
                return value
        except Exception:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(interval)
