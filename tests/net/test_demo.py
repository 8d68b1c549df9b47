"""`raceflags demo`: five nodes on loopback that show the same state."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys

from meshutil import replicated
from support import ROOT, http, wait_for


def free_block(n: int) -> int:
    for _ in range(50):
        base = random.randrange(20000, 60000)
        try:
            for port in range(base, base + n):
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    with socket.socket(socket.AF_INET, kind) as s:
                        s.bind(("127.0.0.1", port if kind == socket.SOCK_STREAM
                                else port + 1000))
            return base
        except OSError:
            continue
    raise RuntimeError("no free port block")


def test_demo_runs_five_nodes_with_one_state(tmp_path):
    base = free_block(5)
    proc = subprocess.Popen([sys.executable, "-m", "appliance.cli", "demo", "--base-port",
                             str(base), "--data-dir", str(tmp_path)], cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=ROOT), stdout=subprocess.PIPE,
                            text=True)
    try:
        urls = [proc.stdout.readline().split()[1] for _ in range(5)]
        assert urls[0] == f"http://127.0.0.1:{base}/"
        for url in urls:
            wait_for(lambda: len([p for p in http("GET", url + "api/state")[1]["nodes"]
                                  if p["online"]]) >= 4, 20, what=f"{url} sees the others")
        assert http("POST", urls[0] + "api/set_flag", {"flag": "sc"})[0] == 200
        wait_for(lambda: len({json.dumps(replicated(http("GET", u + "api/state")[1]), sort_keys=True)
                              for u in urls}) == 1, 10, what="one state on all five")
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
