"""Pick the panel driver from hw.driver, trying `auto`'s candidates in order with a warning
on each fallback (the gpiozero pin-factory habit). An explicit driver is never replaced:
if it fails the service reports it and retries it, since a silent switch to `sim` would
leave a post dark while looking healthy.
"""

from __future__ import annotations

import importlib.util
import logging
import os

from ..frame import Layout
from .relay import RelayDriver
from .serial_port import SerialDriver
from .sim import SimDriver
from .ws281x import Ws281xDriver

log = logging.getLogger(__name__)


def _board() -> str:
    try:
        with open("/proc/device-tree/model", "rb") as fh:
            return fh.read().rstrip(b"\0").decode(errors="replace")
    except OSError:
        return ""


def ws281x_unusable(module=None) -> str | None:
    """Why rpi_ws281x cannot drive LEDs here, or None if it may."""
    if module is not None:
        return None
    board = _board()
    if not board.startswith("Raspberry Pi"):
        return "not a Raspberry Pi"
    if "Raspberry Pi 5" in board:
        return "rpi_ws281x does not support the Raspberry Pi 5 (use hw.driver = serial)"
    if importlib.util.find_spec("rpi_ws281x") is None:
        return "rpi_ws281x is not installed"
    if not os.access("/dev/mem", os.R_OK | os.W_OK):
        return "no access to /dev/mem (run as root)"
    return None


def make_driver(hw: dict, *, pin_factory=None, ws281x_module=None, serial_factory=None):
    """The driver object for this config (not opened)."""
    layout = Layout.from_config(hw)
    build = {
        "ws281x": lambda: Ws281xDriver(hw, layout, ws281x_module),
        "serial": lambda: SerialDriver(hw, layout, serial_factory),
        "relay": lambda: RelayDriver(hw, pin_factory),
        "sim": lambda: SimDriver(hw["terminal_preview"]),
    }
    name = hw["driver"]
    if name != "auto":
        return build[name]()
    reasons = {
        "relay": None if hw["relay_pins"] else "no hw.relay_pins",
        "ws281x": ws281x_unusable(ws281x_module),
        "serial": (None if serial_factory or hw["serial_port"].startswith(("loop://", "socket://"))
                   or os.path.exists(hw["serial_port"])
                   else f"{hw['serial_port']} not present"),
    }
    for candidate in ("relay", "ws281x", "serial"):
        if reasons[candidate] is None:
            return build[candidate]()
        log.warning("hw auto: not %s: %s; trying the next driver", candidate, reasons[candidate])
    log.warning("hw auto: falling back to the sim driver: this panel drives no LEDs")
    return build["sim"]()
