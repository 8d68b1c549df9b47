"""`raceflags run | config | demo`: one console script for every role."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from . import config as config_mod


def _overrides(args) -> dict:
    o: dict = {}

    def put(section, key, value):
        if value is not None:
            o.setdefault(section, {})[key] = value

    put("node", "role", args.role)
    put("node", "sector", args.sector)
    put("node", "id", args.node_id)
    put("node", "data_dir", args.data_dir)
    put("http", "listen", args.http)
    put("hw", "driver", args.hw)
    put("mesh", "discovery_port", args.discovery_port)
    return o


def _add_node_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="TOML config file")
    p.add_argument("--role", choices=config_mod.ROLES)
    p.add_argument("--sector", type=int)
    p.add_argument("--node-id")
    p.add_argument("--http", metavar="HOST:PORT")
    p.add_argument("--data-dir")
    p.add_argument("--hw", choices=config_mod.HW_DRIVERS, help="panel driver")
    p.add_argument("--discovery-port", type=int, help="UDP port of the mesh announces")


def load_config(args) -> config_mod.Config:
    try:
        return config_mod.load(args.config, _overrides(args))
    except config_mod.ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


def build_node(cfg):
    """A node with its mesh and its panel (imported here: `raceflags config` needs neither)."""
    from .hw.service import HardwareService
    from .net.mesh import Mesh
    from .node import Node
    return Node(cfg, hardware_factory=HardwareService, mesh_factory=Mesh)


async def _run(cfg) -> None:
    node = build_node(cfg)
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await node.serve_forever()
    except asyncio.CancelledError:
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="raceflags", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="cmd", required=True)
    _add_node_options(sub.add_parser("run", help="run one appliance"))
    _add_node_options(sub.add_parser("config", help="print the effective config"))
    demo = sub.add_parser("demo", help="control, three sector posts and a semaphore on "
                                       "loopback")
    demo.add_argument("--base-port", type=int, default=8000)
    demo.add_argument("--data-dir", default="./data/demo")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.cmd == "config":
        print(load_config(args).to_toml())
    elif args.cmd == "run":
        asyncio.run(_run(load_config(args)))
    elif args.cmd == "demo":
        from .demo import run_demo
        run_demo(args.base_port, args.data_dir)


if __name__ == "__main__":
    main()
