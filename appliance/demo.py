"""`raceflags demo`: a control node, three sector posts and a semaphore on loopback.

Each is a child process `python -m appliance.cli run` with its own data dir and HTTP port
(base_port .. base_port+4); they find each other by broadcast on 127.255.255.255, never on
the host's real network. Ctrl-C stops them all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

POSTS = [("control", 0, "control"), ("sector", 1, "sector-1"), ("sector", 2, "sector-2"),
         ("sector", 3, "sector-3"), ("semaphore", 0, "semaphore")]


def _config(path: str) -> str:
    """Loopback only: HTTP on 127.0.0.1, announces broadcast on 127.255.255.255 (the
    sockets bind the wildcard address: one bound to 127.0.0.1 gets no broadcasts)."""
    with open(path, "w") as fh:
        fh.write('[mesh]\nbroadcast = "127.255.255.255"\n'
                 'announce_interval_s = 1.0\nanti_entropy_s = 1.0\n')
    return path


def run_demo(base_port: int, data_dir: str) -> None:
    os.makedirs(data_dir, exist_ok=True)
    config = _config(os.path.join(data_dir, "demo.toml"))
    procs: list[subprocess.Popen] = []
    try:
        for i, (role, sector, name) in enumerate(POSTS):
            cmd = [sys.executable, "-m", "appliance.cli", "run", "--config", config,
                   "--role", role, "--node-id", name, "--hw", "sim",
                   "--http", f"127.0.0.1:{base_port + i}",
                   "--data-dir", os.path.join(data_dir, name)]
            if sector:
                cmd += ["--sector", str(sector)]
            procs.append(subprocess.Popen(cmd))
            print(f"{name:10s} http://127.0.0.1:{base_port + i}/", flush=True)
        print("Ctrl-C stops all five.", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        print("a node exited; stopping the demo", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
