"""A lab of network namespaces: N hosts on one bridge, as docs/shared netns.md describes.

    switch namespace: br0 (10.R.S.254/24) ── v1 ── eth0 of host 1 (10.R.S.1/24)
                                          ├─ v2 ── eth0 of host 2 ...

The test process reaches each node from a worker thread that has entered the node's host
namespace (setns is per thread for network namespaces), so the rest of the test run stays
in the root namespace and a node stays reachable while its link is down. Everything the
lab makes is removed by `close`.
"""

from __future__ import annotations

import ctypes
import os
import random
import shutil
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor

from support import NodeProcess, http

CLONE_NEWNET = 0x40000000


def missing_reason() -> str | None:
    if os.geteuid() != 0:
        return "network namespace tests need root"
    for tool in ("ip", "nft"):
        if shutil.which(tool) is None:
            return f"'{tool}' is not installed (tests/install-system-deps.sh installs it)"
    return None


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, capture_output=True, text=True)


def _enter(netns: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/var/run/netns/{netns}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns failed")
    finally:
        os.close(fd)


class Lab:
    def __init__(self, hosts: int):
        tag = f"{os.getpid() % 10000:04d}{random.randrange(100):02d}"
        self.subnet = f"10.{random.randrange(100, 250)}.{random.randrange(1, 250)}"
        self.switch = f"rfsw{tag}"
        self.hosts = [f"rfh{i}x{tag}" for i in range(1, hosts + 1)]
        self.made: list[str] = []

    def ip(self, i: int) -> str:
        return f"{self.subnet}.{i}"

    @property
    def broadcast(self) -> str:
        return f"{self.subnet}.255"

    def open(self) -> "Lab":
        sh("ip", "netns", "add", self.switch)
        self.made.append(self.switch)
        sw = ("ip", "-n", self.switch)
        sh(*sw, "link", "add", "br0", "type", "bridge")
        sh(*sw, "addr", "add", f"{self.subnet}.254/24", "brd", self.broadcast, "dev", "br0")
        sh(*sw, "link", "set", "br0", "up")
        sh(*sw, "link", "set", "lo", "up")
        for i, host in enumerate(self.hosts, 1):
            self.add_host(i, host)
        return self

    def add_host(self, i: int, host: str) -> None:
        sh("ip", "netns", "add", host)
        self.made.append(host)
        sh("ip", "-n", self.switch, "link", "add", f"v{i}", "type", "veth", "peer", "name",
           "eth0", "netns", host)
        sh("ip", "-n", self.switch, "link", "set", f"v{i}", "master", "br0", "up")
        h = ("ip", "-n", host)
        sh(*h, "addr", "add", f"{self.ip(i)}/24", "brd", self.broadcast, "dev", "eth0")
        sh(*h, "link", "set", "eth0", "up")
        sh(*h, "link", "set", "lo", "up")

    def close(self) -> None:
        for netns in reversed(self.made):
            for pid in sh("ip", "netns", "pids", netns, check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            sh("ip", "netns", "del", netns, check=False)
        self.made.clear()

    # -- faults --------------------------------------------------------------------------

    def nft(self, host: str, script: str) -> None:
        subprocess.run(["ip", "netns", "exec", host, "nft", "-f", "-"], input=script,
                       check=True, capture_output=True, text=True)

    def drop_udp_from(self, host: str, sources: list[str]) -> None:
        """Drop UDP arriving at `host` from those addresses (one side of a partition)."""
        self.nft(host, f"""table inet rfpart {{
            chain input {{ type filter hook input priority 0; policy accept;
                meta l4proto udp ip saddr {{ {", ".join(sources)} }} drop
            }}
        }}""")

    def lose_udp(self, host: str, percent: int) -> None:
        self.nft(host, f"""table inet rfloss {{
            chain input {{ type filter hook input priority 0; policy accept;
                meta l4proto udp numgen random mod 100 < {percent} drop
            }}
        }}""")

    def clear_rules(self, host: str) -> None:
        sh("ip", "netns", "exec", host, "nft", "flush", "ruleset", check=False)

    def link(self, i: int, up: bool) -> None:
        sh("ip", "-n", self.switch, "link", "set", f"v{i}", "up" if up else "down")


class LabNode(NodeProcess):
    """A node inside one host namespace, reached from a thread inside that namespace."""

    def __init__(self, lab: Lab, i: int, data_dir: str, **kw):
        super().__init__(data_dir, prefix=["ip", "netns", "exec", lab.hosts[i - 1]],
                         host=lab.ip(i), port=8000, **kw)
        self.netns = lab.hosts[i - 1]
        self._worker = ThreadPoolExecutor(1, initializer=_enter, initargs=(self.netns,))

    def get(self, path: str, **kw):
        return self._worker.submit(http, "GET", self.url + path, **kw).result()

    def post(self, path: str, data=None, **kw):
        return self._worker.submit(http, "POST", self.url + path, data, **kw).result()

    def stop(self) -> None:
        super().stop()
        self._worker.shutdown(wait=True)
