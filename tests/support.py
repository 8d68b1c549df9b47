"""Helpers for tests that drive real appliances over real sockets."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, data=None, *, json_body=None, timeout: float = 10.0,
         headers: dict | None = None, body: bytes | None = None):
    """(status, parsed JSON or text) — never raises for an HTTP error status. `body` sends
    raw bytes (with the caller's Content-Type)."""
    hdrs = dict(headers or {})
    if json_body is not None:
        body = json.dumps(json_body).encode()
        hdrs["Content-Type"] = "application/json"
    elif data is not None:
        body = urllib.parse.urlencode(data).encode()
        hdrs["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, data=body, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            status, raw, ctype = res.status, res.read(), res.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        status, raw, ctype = exc.code, exc.read(), exc.headers.get("Content-Type", "")
    text = raw.decode("utf-8", "replace")
    return status, (json.loads(text) if "json" in ctype and text else text)


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (OSError, ValueError):
            pass
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class NodeProcess:
    """`raceflags run` in a child process, on loopback, with its own data dir."""

    def __init__(self, data_dir: str, *, role: str = "control", sector: int = 0,
                 node_id: str | None = None, port: int | None = None, config: str | None = None,
                 extra: list[str] | None = None, prefix: list[str] | None = None,
                 host: str = "127.0.0.1", env: dict | None = None,
                 discovery_port: int | None = None):
        self.data_dir, self.role, self.sector = data_dir, role, sector
        self.node_id = node_id
        self.host = host
        self.port = port or free_port()
        self.config, self.extra, self.prefix = config, extra or [], prefix or []
        self.env = env
        # Alone on a discovery port of its own unless told otherwise, so that the nodes of
        # different tests never mesh with each other (or with a developer's `make run`).
        if discovery_port is None and config is None:
            discovery_port = free_udp_port()
        self.discovery_port = discovery_port
        self.proc: subprocess.Popen | None = None
        self.log_path = os.path.join(data_dir, "node.log")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, wait: bool = True) -> "NodeProcess":
        os.makedirs(self.data_dir, exist_ok=True)
        cmd = [*self.prefix, sys.executable, "-m", "appliance.cli", "run",
               "--role", self.role, "--http", f"{self.host}:{self.port}",
               "--data-dir", self.data_dir, *self.extra]
        if self.sector:
            cmd += ["--sector", str(self.sector)]
        if self.node_id:
            cmd += ["--node-id", self.node_id]
        if self.config:
            cmd += ["--config", self.config]
        if self.discovery_port:
            cmd += ["--discovery-port", str(self.discovery_port)]
        env = dict(os.environ, PYTHONPATH=ROOT, **(self.env or {}))
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                     cwd=ROOT)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 15.0) -> None:
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"node exited {self.proc.returncode}: {self.log()}")
            return self.get("/api/state", timeout=1)[0] == 200
        wait_for(ready, timeout, what=f"node on {self.url}")

    def get(self, path: str, **kw):
        return http("GET", self.url + path, **kw)

    def post(self, path: str, data=None, **kw):
        return http("POST", self.url + path, data, **kw)

    def state(self) -> dict:
        status, body = self.get("/api/state")
        assert status == 200, body
        return body

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()
        if getattr(self, "_log", None):
            self._log.close()

    def log(self) -> str:
        try:
            with open(self.log_path, errors="replace") as fh:
                return fh.read()[-4000:]
        except OSError:
            return ""
