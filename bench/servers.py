"""Processes under test: gunicorn with the repository's gunicorn.conf.py; workers' memory."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def worker_memory_mib(self) -> list[tuple[float, float]]:
        """(VmRSS, PSS) of each worker in MiB.

        VmRSS counts every resident page, including those still shared with
        the master (preload_app); PSS (smaps_rollup) counts private pages in
        full and each shared page divided by the processes sharing it: what
        the workers really add up to.
        """
        sizes = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except (FileNotFoundError, ProcessLookupError):  # recycled a moment ago
                continue
            rss = _field_kib(status, "VmRSS")
            pss = _field_kib(rollup, "Pss")
            sizes.append((rss / 1024, pss / 1024))
        return sizes

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _field_kib(text: str, name: str) -> int:
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def cpu_busy_percent(seconds: float = 1.0) -> float:
    """How busy all CPUs were over a short window (everything on the machine)."""

    def sample() -> tuple[int, int]:
        fields = [int(value) for value in Path("/proc/stat").read_text().split()[1:9]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    total_before, idle_before = sample()
    time.sleep(seconds)
    total_after, idle_after = sample()
    total = total_after - total_before
    return 100.0 * (total - (idle_after - idle_before)) / total if total else 0.0


def wait_until_quiet(log, threshold: float = 20.0, patience: float = 600.0) -> float:
    """Wait (up to `patience` s) for other work on the machine to stop; returns busy %."""
    deadline = time.monotonic() + patience
    busy = cpu_busy_percent()
    warned = False
    while busy > threshold and time.monotonic() < deadline:
        if not warned:
            log(f"the machine is {busy:.0f}% busy with other work: waiting for it to calm down")
            warned = True
        time.sleep(4)
        busy = cpu_busy_percent()
    return busy


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int, with_children: bool = False) -> float | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    ticks = int(fields[11]) + int(fields[12])
    if with_children:  # workers that exited (max_requests) were reaped by the master
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICKS


def _backends_of(database_url: str | None) -> set[int]:
    """Process ids of the PostgreSQL backends connected to this database."""
    if not database_url:
        return set()
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        me = connection.info.backend_pid
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        )
        return {pid for (pid,) in rows if pid != me}


def _busy_seconds() -> float:
    fields = [int(value) for value in Path("/proc/stat").read_text().split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / _TICKS


class CpuMeter:
    """CPU used by anything but the benchmark (servers, their PostgreSQL backends, wrk).

    The machine may be shared; a run during which something else took a
    noticeable share of the CPUs is not a fair measurement.
    """

    def __init__(self, servers: list[Server], database_url: str | None = None) -> None:
        self.servers = servers
        self.database_url = database_url

    def _snapshot(self) -> tuple[dict[int, float], set[int]]:
        """CPU seconds of each of our processes, and which of them are workers."""
        cpu, workers = {}, set()
        for server in self.servers:
            # With its reaped children: workers recycled by max_requests.
            cpu[server.process.pid] = _cpu_seconds(server.process.pid, with_children=True) or 0.0
            for pid in server.worker_pids():
                cpu[pid] = _cpu_seconds(pid) or 0.0
                workers.add(pid)
        for pid in _backends_of(self.database_url):
            seconds = _cpu_seconds(pid)
            if seconds is not None:
                cpu[pid] = seconds
        return cpu, workers

    @staticmethod
    def _own_seconds() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has exited
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    def __enter__(self) -> CpuMeter:
        self.before, self.workers = self._snapshot()
        self.own = self._own_seconds()
        self.busy = _busy_seconds()
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        elapsed = time.monotonic() - self.started
        busy = _busy_seconds() - self.busy
        own = self._own_seconds() - self.own
        after, _ = self._snapshot()
        # Per process: one that appeared counts from zero. A worker that was
        # recycled is now in its master's total, so take off what it had
        # before; a backend that ended is not counted (its last share is lost).
        ours = own + sum(seconds - self.before.get(pid, 0.0) for pid, seconds in after.items())
        ours -= sum(self.before[pid] for pid in self.workers if pid not in after)
        self.foreign_cores = max(busy - ours, 0.0) / elapsed if elapsed else 0.0


def start_gunicorn(
    name: str, env: dict[str, str], log_dir: Path, ready_path: str = "/readyz"
) -> Server:
    """gunicorn -c gunicorn.conf.py on a free loopback port; waits until it answers."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
        cwd=ROOT,
        env={**env, "PORTAL_BIND": f"127.0.0.1:{port}", "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=log_path.open("w"),
    )
    server = Server(name, port, process, log_path)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{log_path.read_text()[-3000:]}")
        try:
            if requests.get(server.url + ready_path, timeout=2).status_code == 200:
                return server
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{name} did not become ready:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)


def base_environment() -> dict[str, str]:
    """This process's environment without settings meant for other runs."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTAL_WSGI", "GUNICORN_", "FLASK_", "TEST_"))
        and key not in ("PORTAL_BIND", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "BASE_URL")
    }
