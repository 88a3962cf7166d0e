"""Run the production set-up in other processes: gunicorn nodes behind a pretend proxy.

`Cluster` starts gunicorn with the repository's gunicorn.conf.py, once per
node, all on loopback and sharing one database, Redis and SECRET_KEY, with
PORTAL_ENV=production. `ProxiedClient` plays a browser behind the reverse
proxy that production puts in front of the nodes: every request carries
the X-Forwarded-* headers the proxy would add (TLS ends there, so cookies
are Secure), the cookies of its own session, and the CSRF token of the
last page it read. Each call names the node it goes to, so a test can send
one person's requests to node A, then node B:

    person = ProxiedClient(cluster)
    person.sign_in(cluster.nodes[0], email, password)
    assert person.get(cluster.nodes[1], "/dashboard").status_code == 200
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_HOST = "portal.test"
_CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]+)"')


def csrf_token_in(html: str) -> str | None:
    """The CSRF token of the first form on a page, if it has one."""
    field = _CSRF_INPUT.search(html)
    value = _VALUE.search(field.group(0)) if field else None
    return value.group(1) if value else None


@dataclass
class Node:
    name: str
    port: int
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_lines(self) -> list[dict]:
        """The node's JSON log lines so far (gunicorn and the portal)."""
        lines = []
        for raw in self.log_path.read_text().splitlines():
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:
                lines.append({"unparsed": raw})
        return lines

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


@dataclass
class Cluster:
    """Several gunicorn nodes on one database (and Redis, when given)."""

    database_url: str
    redis_url: str | None
    log_dir: Path
    count: int = 2
    workers: int = 2
    threads: int = 4
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    nodes: list[Node] = field(default_factory=list)

    def environment(self, node: Node) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PORTAL_", "GUNICORN_", "FLASK_", "TEST_"))
        }
        env.update(
            PORTAL_ENV="production",
            SECRET_KEY=self.secret_key,
            BASE_URL=f"https://{PUBLIC_HOST}",
            DATABASE_URL=self.database_url,
            TRUSTED_PROXIES="1",
            PROGRAM_TIMEZONE=os.environ.get("PROGRAM_TIMEZONE", "Pacific/Auckland"),
            PORTAL_BIND=f"127.0.0.1:{node.port}",
            PORTAL_WORKERS=str(self.workers),
            PORTAL_THREADS=str(self.threads),
            PYTHONUNBUFFERED="1",
        )
        env.pop("REDIS_URL", None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        return env

    def start(self, timeout: float = 60) -> Cluster:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for index in range(self.count):
            name = "ABCDEFGH"[index]
            node = Node(name, free_port(), self.log_dir / f"node-{name}.log")
            node.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
                cwd=ROOT,
                env=self.environment(node),
                stdout=subprocess.DEVNULL,
                stderr=node.log_path.open("w"),
            )
            self.nodes.append(node)
        try:
            self._wait_until_ready(time.monotonic() + timeout)
        except BaseException:
            self.stop()  # no node outlives a failed start
            raise
        return self

    def _wait_until_ready(self, deadline: float) -> None:
        for node in self.nodes:
            while True:
                if node.process.poll() is not None:
                    raise RuntimeError(f"node {node.name} exited:\n{node.log_path.read_text()}")
                try:
                    # Ready: it answers, and the master has forked every worker.
                    answered = requests.get(node.url + "/readyz", timeout=2).status_code == 200
                    if answered and len(node.worker_pids()) == self.workers:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"node {node.name} not ready:\n{node.log_path.read_text()}")
                time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM: gunicorn's graceful shutdown (workers finish what they serve)."""
        for node in self.nodes:
            if node.process and node.process.poll() is None:
                node.process.send_signal(signal.SIGTERM)
        for node in self.nodes:
            if node.process:
                try:
                    node.process.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    node.process.kill()
                    node.process.wait()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class ProxiedClient:
    """One browser, reaching the nodes through the (pretend) TLS-terminating proxy."""

    def __init__(self, client_address: str = "203.0.113.10") -> None:
        self.http = requests.Session()
        self.client_address = client_address
        self.cookies: dict[str, str] = {}
        self.csrf_token: str | None = None

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {
            "X-Forwarded-For": self.client_address,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": PUBLIC_HOST,
            # Flask-WTF checks the Referer of HTTPS form posts.
            "Referer": f"https://{PUBLIC_HOST}/",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def _keep(self, response: requests.Response) -> requests.Response:
        # Secure cookies would not go back over plain http from a cookie jar:
        # the proxy speaks http to the nodes, so carry them by hand.
        for cookie in response.cookies:
            if cookie.expires is not None and cookie.expires < time.time():
                self.cookies.pop(cookie.name, None)
            else:
                self.cookies[cookie.name] = cookie.value
        if "text/html" in response.headers.get("Content-Type", ""):
            self.csrf_token = csrf_token_in(response.text) or self.csrf_token
        return response

    def get(self, node: Node, path: str, headers: dict[str, str] | None = None):
        return self._keep(
            self.http.get(
                node.url + path, headers=self._headers(headers), allow_redirects=False, timeout=30
            )
        )

    def post(self, node: Node, path: str, data: dict | None = None, headers=None):
        """A form post with the CSRF token of the last page read (unless data has one)."""
        form = {"csrf_token": self.csrf_token or "", **(data or {})}
        return self._keep(
            self.http.post(
                node.url + path,
                data=form,
                headers=self._headers(headers),
                allow_redirects=False,
                timeout=30,
            )
        )

    def sign_in(self, node: Node, email: str, password: str) -> requests.Response:
        self.get(node, "/auth/sign-in")
        response = self.post(node, "/auth/sign-in", {"email": email, "password": password})
        assert response.status_code == 302, response.text[:500]
        return response
