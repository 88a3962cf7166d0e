"""The load generator (wrk with bench/requests.lua) and the browsers that prepare its requests."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import requests

HERE = Path(__file__).resolve().parent
PUBLIC_HOST = "portal.bench"
USER_AGENT = "portal-bench/1"
_CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]+)"')


class Browser:
    """One person behind the TLS-terminating proxy: X-Forwarded-* headers, cookies by hand.

    Production cookies are Secure, and a cookie jar would not send them over
    the proxy's plain-http hop, so they are kept and sent here explicitly.
    """

    def __init__(self, base_url: str, client_address: str) -> None:
        self.base_url = base_url
        self.client_address = client_address
        self.http = requests.Session()
        self.cookies: dict[str, str] = {}
        self.csrf_token = ""

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def _headers(self) -> dict[str, str]:
        headers = {
            # A fresh connection per request: gunicorn closes idle keep-alive
            # connections (and recycled workers close theirs), and a request
            # sent on one that just closed would fail. wrk does the load.
            "Connection": "close",
            "X-Forwarded-For": self.client_address,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": PUBLIC_HOST,
            "User-Agent": USER_AGENT,
            "Referer": f"https://{PUBLIC_HOST}/",
        }
        if self.cookies:
            headers["Cookie"] = self.cookie_header
        return headers

    def _keep(self, response: requests.Response) -> requests.Response:
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value
        if "text/html" in response.headers.get("Content-Type", ""):
            field = _CSRF_INPUT.search(response.text)
            value = _VALUE.search(field.group(0)) if field else None
            if value:
                self.csrf_token = value.group(1)
        return response

    def get(self, path: str) -> requests.Response:
        return self._keep(
            self.http.get(
                self.base_url + path, headers=self._headers(), allow_redirects=False, timeout=60
            )
        )

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        return self._keep(
            self.http.post(
                self.base_url + path,
                data={"csrf_token": self.csrf_token, **data},
                headers=self._headers(),
                allow_redirects=False,
                timeout=60,
            )
        )

    def sign_in(self, email: str, password: str) -> None:
        self.get("/auth/sign-in")
        response = self.post("/auth/sign-in", {"email": email, "password": password})
        if response.status_code != 302:
            raise RuntimeError(f"sign-in of {email} failed: {response.status_code}")


@dataclass(frozen=True)
class Line:
    """One request for wrk."""

    method: str
    path: str
    cookie: str = ""
    client_address: str = "127.0.0.1"
    body: str = ""

    @classmethod
    def form_post(cls, path: str, browser: Browser, fields: dict[str, str]) -> Line:
        body = urlencode({"csrf_token": browser.csrf_token, **fields})
        return cls("POST", path, browser.cookie_header, browser.client_address, body)

    @classmethod
    def page(cls, path: str, browser: Browser | None = None) -> Line:
        if browser is None:
            return cls("GET", path)
        return cls("GET", path, browser.cookie_header, browser.client_address)

    def render(self) -> str:
        return "\t".join([self.method, self.path, self.cookie, self.client_address, self.body])


@dataclass
class Result:
    requests: int
    seconds: float
    bad_status: int
    socket_errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    url: str,
    lines: list[Line],
    work_dir: Path,
    *,
    name: str,
    seconds: int,
    connections: int,
    threads: int,
    once: bool = False,
) -> Result:
    """Load `url` with these requests for `seconds`; returns throughput and latency."""
    work_dir.mkdir(parents=True, exist_ok=True)
    request_file = work_dir / f"{name}.requests"
    request_file.write_text("\n".join(line.render() for line in lines) + "\n")
    env = {
        **os.environ,
        "BENCH_REQUESTS": str(request_file),
        "BENCH_WRK_THREADS": str(threads),
        "BENCH_HOST": PUBLIC_HOST,
        "BENCH_ONCE": "1" if once else "0",
    }
    started = time.monotonic()
    output = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(HERE / "requests.lua"),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    match = re.search(r"^BENCH_RESULT (\{.*\})$", output, re.M)
    if match is None:
        raise RuntimeError(f"wrk printed no result ({time.monotonic() - started:.0f}s):\n{output}")
    data = json.loads(match.group(1))
    return Result(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        bad_status=data["status_errors"],
        socket_errors=data["connect_errors"]
        + data["read_errors"]
        + data["write_errors"]
        + data["timeouts"],
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )
