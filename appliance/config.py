"""One TOML file, layered: built-in defaults, then the file, then command-line overrides.

Every error is collected and reported at once (with a suggestion for a misspelt key), so
a marshal fixing a card's config does not play whack-a-mole.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from typing import Any

ROLES = ("control", "sector", "semaphore", "repeater")
HW_DRIVERS = ("auto", "ws281x", "serial", "relay", "sim")
MAX_SECTORS = 64


class ConfigError(ValueError):
    """All problems of one config, each a line."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("invalid config:\n  " + "\n  ".join(errors))


# section -> key -> default. The type of the default is the type of the key.
DEFAULTS: dict[str, dict[str, Any]] = {
    "node": {
        "id": "",  # empty: generated once and kept in the data dir
        "role": "control",
        "sector": 0,  # the post's sector (role sector); 0 = none
        "data_dir": "./data",
    },
    "http": {
        "listen": "0.0.0.0:8000",
        "max_body_bytes": 16384,
        "read_timeout_s": 10.0,
        "ws_ping_s": 10.0,
        "ws_dead_s": 30.0,
    },
    "race": {
        "sectors": 3,
        "green_hold_s": 10.0,
        "start_delay_min_s": 0.2,
        "start_delay_max_s": 3.0,
        "snapshot_every": 200,
    },
    "mesh": {
        "discovery_port": 9999,
        "broadcast": "127.255.255.255",
        "bind": "0.0.0.0",
        "sync_port": 0,  # 0: the HTTP port + 1000
        "static_peers": [],  # "host:sync_port"
        "mesh_key": "",
        "announce_interval_s": 2.0,
        "anti_entropy_s": 2.0,
        "peer_timeout_s": 6.0,
        "link_timeout_s": 6.0,
        "max_clock_offset_ms": 500,
    },
    "hw": {
        "driver": "sim",
        "layout": "strip",  # strip | matrix
        "led_count": 60,
        "width": 0,  # matrix columns (layout matrix)
        "height": 0,  # matrix rows
        "serpentine": True,
        "gpio_pin": 18,
        "dma": 10,
        "brightness": 0.5,
        "supply_amps": 4.0,
        "serial_port": "/dev/ttyACM0",
        "serial_baud": 115200,
        "relay_pins": {},  # lamp group -> GPIO, for relay gantries
        "fps": 40,  # 25 ms frames: every flash edge of hw.flash falls on a frame
        "terminal_preview": False,
        "semaphore_mode": "start",  # role semaphore: start | pit_exit
        "matrix_order": "rows",  # matrix wiring: rows | columns (e.g. 8x32 panels)
        "retry_s": 5.0,  # a failed driver is reopened this often
        "flash_overrides": {},  # pattern -> [lit_ms, dark_ms, ...], see appliance/hw/flash.py
    },
    "buttons": {
        "intervene_pin": 0,  # 0: no button
        "ack_pin": 0,
        "buzzer_pin": 0,
        "status_led_pin": 0,
        "long_press_s": 2.0,
        "bounce_s": 0.05,
    },
}


@dataclass
class Config:
    """The effective config: a dict of sections, read through attribute-like helpers."""

    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.sections[section]

    @property
    def role(self) -> str:
        return self.sections["node"]["role"]

    @property
    def sector(self) -> int:
        return self.sections["node"]["sector"]

    @property
    def http_host_port(self) -> tuple[str, int]:
        host, _, port = self.sections["http"]["listen"].rpartition(":")
        return host or "0.0.0.0", int(port)

    def to_toml(self) -> str:
        lines: list[str] = []
        for name, keys in self.sections.items():
            lines.append(f"[{name}]")
            for key, value in keys.items():
                lines.append(f"{key} = {_toml_value(value)}")
            lines.append("")
        return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _merge(target: dict, layer: dict, where: str, errors: list[str]) -> None:
    for section, keys in layer.items():
        if section not in DEFAULTS:
            errors.append(f"unknown section [{section}]{_suggest(section, DEFAULTS)} in {where}")
            continue
        if not isinstance(keys, dict):
            errors.append(f"[{section}] must be a table in {where}")
            continue
        for key, value in keys.items():
            if key not in DEFAULTS[section]:
                errors.append(
                    f"unknown key {section}.{key}{_suggest(key, DEFAULTS[section])} in {where}")
                continue
            default = DEFAULTS[section][key]
            if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if type(value) is not type(default):
                errors.append(f"{section}.{key} must be {type(default).__name__}, "
                              f"got {value!r} in {where}")
                continue
            target[section][key] = value


def _check(s: dict[str, dict[str, Any]]) -> list[str]:
    from .hw.flash import FLASH  # the one flash table; import-light by design

    errors = []
    node, race, mesh, hw = s["node"], s["race"], s["mesh"], s["hw"]
    if node["role"] not in ROLES:
        errors.append(f"node.role must be one of {', '.join(ROLES)}, got {node['role']!r}"
                      f"{_suggest(node['role'], ROLES)}")
    if not 1 <= race["sectors"] <= MAX_SECTORS:
        errors.append(f"race.sectors must be 1..{MAX_SECTORS}, got {race['sectors']}")
    if node["role"] == "sector" and not 1 <= node["sector"] <= race["sectors"]:
        errors.append(f"node.sector must be 1..{race['sectors']} for a sector post, "
                      f"got {node['sector']}")
    elif not 0 <= node["sector"] <= race["sectors"]:
        errors.append(f"node.sector must be 0..{race['sectors']}, got {node['sector']}")
    if node["id"] and (len(node["id"]) > 32 or not node["id"].replace("-", "").isalnum()):
        errors.append("node.id must be 1-32 letters, digits or '-'")
    listen = s["http"]["listen"]
    if not listen.rpartition(":")[2].isdigit():
        errors.append(f"http.listen must be HOST:PORT, got {listen!r}")
    if not 0 < race["start_delay_min_s"] <= race["start_delay_max_s"] <= 30:
        errors.append("race.start_delay_min_s and start_delay_max_s must satisfy "
                      "0 < min <= max <= 30")
    for key in ("discovery_port", "sync_port"):
        if not 0 <= mesh[key] <= 65535:
            errors.append(f"mesh.{key} must be 0..65535")
    for peer in mesh["static_peers"]:
        if not isinstance(peer, str) or not peer.rpartition(":")[2].isdigit():
            errors.append(f"mesh.static_peers entries must be 'host:port', got {peer!r}")
    for key in ("announce_interval_s", "anti_entropy_s", "peer_timeout_s", "link_timeout_s"):
        if not 0.01 <= mesh[key] <= 3600:
            errors.append(f"mesh.{key} must be 0.01..3600 s")
    if mesh["peer_timeout_s"] < 2 * mesh["announce_interval_s"]:
        errors.append("mesh.peer_timeout_s must be at least twice mesh.announce_interval_s")
    if mesh["max_clock_offset_ms"] <= 0:
        errors.append("mesh.max_clock_offset_ms must be > 0")
    if hw["driver"] not in HW_DRIVERS:
        errors.append(f"hw.driver must be one of {', '.join(HW_DRIVERS)}, got {hw['driver']!r}"
                      f"{_suggest(hw['driver'], HW_DRIVERS)}")
    if hw["layout"] not in ("strip", "matrix"):
        errors.append(f"hw.layout must be strip or matrix, got {hw['layout']!r}")
    if not 0.0 <= hw["brightness"] <= 1.0:
        errors.append("hw.brightness must be 0.0..1.0")
    if hw["layout"] == "matrix" and (hw["width"] < 1 or hw["height"] < 1):
        errors.append("hw.width and hw.height must be >= 1 for layout matrix")
    if hw["layout"] == "strip" and not 1 <= hw["led_count"] <= 2000:
        errors.append("hw.led_count must be 1..2000")
    if hw["semaphore_mode"] not in ("start", "pit_exit"):
        errors.append(f"hw.semaphore_mode must be start or pit_exit, got {hw['semaphore_mode']!r}")
    if hw["matrix_order"] not in ("rows", "columns"):
        errors.append(f"hw.matrix_order must be rows or columns, got {hw['matrix_order']!r}")
    if not 1 <= hw["fps"] <= 120:
        errors.append("hw.fps must be 1..120")
    if hw["retry_s"] <= 0 or hw["supply_amps"] <= 0:
        errors.append("hw.retry_s and hw.supply_amps must be > 0")
    for name, steps in hw["flash_overrides"].items():
        if name not in FLASH:
            errors.append(f"hw.flash_overrides: unknown pattern {name!r}{_suggest(name, FLASH)}")
        elif (not isinstance(steps, list) or not steps or len(steps) % 2
              or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                         for v in steps)):
            errors.append(f"hw.flash_overrides.{name} must be an even-length list of "
                          "positive ms, lit first")
    lamps = ("red1", "red2", "red3", "red4", "red5", "red", "green", "yellow", "white",
             "blue", "magenta", "orange")
    for group, pin in hw["relay_pins"].items():
        if group not in lamps:
            errors.append(f"hw.relay_pins: unknown lamp group {group!r}{_suggest(group, lamps)}")
        if not isinstance(pin, int) or not 1 <= pin <= 27:
            errors.append(f"hw.relay_pins.{group} must be a GPIO number 1..27")
    pins = {key: s["buttons"][key] for key in
            ("intervene_pin", "ack_pin", "buzzer_pin", "status_led_pin")}
    pins.update({f"relay_pins.{g}": p for g, p in hw["relay_pins"].items()
                 if isinstance(p, int) and 1 <= p <= 27})
    if hw["driver"] in ("auto", "ws281x"):
        pins["hw.gpio_pin"] = hw["gpio_pin"]
    seen: dict[int, str] = {}
    for key, pin in pins.items():
        if not isinstance(pin, int) or not 0 <= pin <= 27:
            errors.append(f"{key} must be a GPIO number 0..27 (0: none)")
        elif pin and pin in seen:
            errors.append(f"{key} and {seen[pin]} both use GPIO{pin}")
        elif pin:
            seen[pin] = key
    if not 0 <= s["buttons"]["bounce_s"] < s["buttons"]["long_press_s"]:
        errors.append("buttons.long_press_s must be longer than buttons.bounce_s >= 0")
    return errors


def load(path: str | None = None, overrides: dict[str, dict[str, Any]] | None = None) -> Config:
    """Build the effective config; raise ConfigError listing every problem."""
    sections = {name: dict(keys) for name, keys in DEFAULTS.items()}
    errors: list[str] = []
    if path:
        try:
            with open(path, "rb") as fh:
                _merge(sections, tomllib.load(fh), path, errors)
        except OSError as exc:
            errors.append(f"cannot read {path}: {exc.strerror}")
        except tomllib.TOMLDecodeError as exc:
            errors.append(f"{path} is not valid TOML: {exc}")
    if overrides:
        _merge(sections, overrides, "command line", errors)
    if not errors:
        errors = _check(sections)
    if errors:
        raise ConfigError(errors)
    return Config(sections)
