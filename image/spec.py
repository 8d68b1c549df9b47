"""What one image is: the options of a build, checked all at once.

Every problem is collected and reported together (an SSID too long, a short passphrase
and an unknown role come back in one message), and the node's `raceflags.toml` is
checked by the appliance's own loader, so the card never carries a config the firmware
would refuse.
"""

from __future__ import annotations

import ipaddress
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.config import ROLES, Config, ConfigError, load

AP_SECURITY = ("wpa2", "wpa3", "transition")
ETH_MODES = ("none", "backhaul", "lan")
CHANNELS_2G = tuple(range(1, 14))
CHANNELS_5G = (36, 40, 44, 48)  # no DFS: an AP that must wait a minute to transmit is no use
MAX_INDEX = 49  # semaphores and repeaters per track, see NodePlan
_IFACE = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_HOSTNAME_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class ImageError(ValueError):
    """All problems of one image's options, each a line."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("invalid image options:\n  " + "\n  ".join(errors))


@dataclass
class ImageSpec:
    """The options of one build, as given (the sector may still be text from make)."""

    role: str
    sector: int | str = 0
    index: int = 1  # which semaphore or repeater: picks its address and phone pool
    node_id: str = ""
    sectors: int = 3
    ap: bool | None = None  # None: the role decides (control and repeater serve phones)
    ssid: str = "RACE"
    ap_security: str = "wpa2"
    ap_passphrase: str = ""  # empty: generated for this build
    ap_channel: int = 11
    mesh_channel: int = 1
    country: str = "GB"
    mesh_iface: str = "wlan0"
    ap_iface: str = "wlan1"
    eth_iface: str = "eth0"
    eth_mode: str = "none"
    mesh_encryption: bool = True
    subnet: str = "10.42.0.0/16"
    control_name: str = "race.lan"
    hw_driver: str = "auto"
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)  # --set section.key=v

    @property
    def serves_phones(self) -> bool:
        return self.ap if self.ap is not None else self.role in ("control", "repeater")


@dataclass(frozen=True)
class NodePlan:
    """Addresses derived from role, sector and index, unique on one track's /16.

    Node addresses sit in x.y.0.0/24 (control .1, sector k .10+k, semaphore i .100+i,
    repeater i .150+i). Each node that serves phones hands out its own /24 for DHCP, so
    several DHCP servers on the one bridged segment never lease the same address.
    """

    node_id: str
    address: ipaddress.IPv4Interface
    control_address: ipaddress.IPv4Address
    broadcast: ipaddress.IPv4Address
    dhcp_first: ipaddress.IPv4Address
    dhcp_last: ipaddress.IPv4Address


_HOST_BASE = {"control": 0, "sector": 10, "semaphore": 100, "repeater": 150}
_POOL_BASE = {"control": 0, "repeater": 0, "sector": 100, "semaphore": 200}


def plan(spec: ImageSpec) -> NodePlan:
    """Derive the node's addresses; call only on a spec that `validate` accepted."""
    net = ipaddress.IPv4Network(spec.subnet)
    number = int(spec.sector) if spec.role == "sector" else spec.index
    host = 1 if spec.role == "control" else _HOST_BASE[spec.role] + number
    pool = 1 if spec.role == "control" else _POOL_BASE[spec.role] + number + 1
    base = int(net.network_address)
    node_id = spec.node_id or default_node_id(spec)
    return NodePlan(
        node_id=node_id,
        address=ipaddress.IPv4Interface((base + host, net.prefixlen)),
        control_address=ipaddress.IPv4Address(base + 1),
        broadcast=net.broadcast_address,
        dhcp_first=ipaddress.IPv4Address(base + pool * 256 + 1),
        dhcp_last=ipaddress.IPv4Address(base + pool * 256 + 254),
    )


def default_node_id(spec: ImageSpec) -> str:
    if spec.role == "control":
        return "control"
    if spec.role == "sector":
        return f"sector-{spec.sector}"
    return f"{spec.role}-{spec.index}"


def validate(spec: ImageSpec, mesh_key: str) -> list[str]:
    """Every problem of the spec and of the raceflags.toml it makes; empty when fine."""
    errors = _check_spec(spec)
    if errors:  # the node config needs a usable role and sector to be built at all
        return errors + _config_errors_quick(spec)
    return _config_errors(raceflags_toml(spec, plan(spec), mesh_key))


def _check_spec(spec: ImageSpec) -> list[str]:
    errors: list[str] = []
    if spec.role not in ROLES:
        errors.append(f"role must be one of {', '.join(ROLES)}, got {spec.role!r}")
    try:
        sector = int(spec.sector or 0)
    except ValueError:
        errors.append(f"sector must be a number, got {spec.sector!r}")
        sector = 0
    if spec.role == "sector" and not 1 <= sector <= spec.sectors:
        errors.append(f"sector must be 1..{spec.sectors} (the track's sectors) for a sector "
                      f"post, got {sector}")
    elif not 0 <= sector <= spec.sectors:
        errors.append(f"sector must be 0..{spec.sectors}, got {sector}")
    if spec.role in ("semaphore", "repeater") and not 1 <= spec.index <= MAX_INDEX:
        errors.append(f"index must be 1..{MAX_INDEX}, got {spec.index}")
    ssid = spec.ssid.encode()
    if not 1 <= len(ssid) <= 32:
        errors.append(f"ssid must be 1..32 bytes, got {len(ssid)}")
    if any(ord(c) < 32 for c in spec.ssid):
        errors.append("ssid must not contain control characters")
    if spec.ap_security not in AP_SECURITY:
        errors.append(f"ap security must be one of {', '.join(AP_SECURITY)}, "
                      f"got {spec.ap_security!r}")
    if spec.ap_passphrase and not (8 <= len(spec.ap_passphrase) <= 63
                                   and all(32 <= ord(c) < 127 for c in spec.ap_passphrase)):
        errors.append("ap passphrase must be 8..63 printable ASCII characters "
                      f"(got {len(spec.ap_passphrase)})")
    for name in ("ap_channel", "mesh_channel"):
        if getattr(spec, name) not in CHANNELS_2G + CHANNELS_5G:
            errors.append(f"{name.replace('_', ' ')} must be 1..13 or one of "
                          f"{', '.join(map(str, CHANNELS_5G))}, got {getattr(spec, name)}")
    if spec.serves_phones and spec.ap_channel == spec.mesh_channel:
        errors.append("ap channel and mesh channel must differ (two radios, one channel)")
    if not _COUNTRY.match(spec.country):
        errors.append(f"country must be two capital letters (ISO 3166), got {spec.country!r}")
    for name in ("mesh_iface", "ap_iface", "eth_iface"):
        if not _IFACE.match(getattr(spec, name)):
            errors.append(f"{name.replace('_', ' ')} must be 1..15 letters, digits, '_.-'")
    if spec.serves_phones and spec.ap_iface == spec.mesh_iface:
        errors.append("ap iface and mesh iface must be two radios "
                      "(the onboard radio cannot run the mesh and an access point at once)")
    if spec.eth_mode not in ETH_MODES:
        errors.append(f"eth mode must be one of {', '.join(ETH_MODES)}, got {spec.eth_mode!r}")
    try:
        net = ipaddress.IPv4Network(spec.subnet)
        if net.prefixlen != 16 or not net.is_private:
            errors.append(f"subnet must be a private /16, got {spec.subnet}")
    except ValueError as exc:
        errors.append(f"subnet: {exc}")
    labels = spec.control_name.split(".")
    if len(labels) < 2 or not all(_HOSTNAME_LABEL.match(label) for label in labels):
        errors.append(f"control name must be a DNS name such as race.lan, "
                      f"got {spec.control_name!r}")
    return errors


def _config_errors_quick(spec: ImageSpec) -> list[str]:
    """Config errors that do not depend on role and sector (reported beside spec errors)."""
    overrides = {"node": {"id": spec.node_id}, "race": {"sectors": spec.sectors},
                 "hw": {"driver": spec.hw_driver}}
    for section, keys in spec.settings.items():
        overrides.setdefault(section, {}).update(keys)
    overrides["node"].pop("role", None)
    overrides["node"].pop("sector", None)
    try:
        load(None, overrides)
    except ConfigError as exc:
        return [f"raceflags.toml: {e}" for e in exc.errors]
    return []


def raceflags_toml(spec: ImageSpec, node: NodePlan, mesh_key: str) -> str:
    """The node config the card carries: only what the image decides, defaults elsewhere."""
    sections: dict[str, dict[str, Any]] = {
        "node": {"id": node.node_id, "role": spec.role,
                 "sector": int(spec.sector or 0) if spec.role == "sector" else 0,
                 "data_dir": "/var/lib/raceflags"},
        "http": {"listen": "0.0.0.0:80"},
        "race": {"sectors": spec.sectors},
        "mesh": {"broadcast": str(node.broadcast), "mesh_key": mesh_key},
        "hw": {"driver": spec.hw_driver},
    }
    for section, keys in spec.settings.items():
        sections.setdefault(section, {}).update(keys)
    header = ("# Race Flags node config, read at every boot by raceflags-firstboot.\n"
              "# Edit role, sector or id here; keep mesh_key: it is the track's.\n\n")
    return header + Config(sections).to_toml()


def _config_errors(text: str) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "raceflags.toml")
        path.write_text(text)
        try:
            load(str(path))
        except ConfigError as exc:
            return [f"raceflags.toml: {e.replace(str(path), 'raceflags.toml')}"
                    for e in exc.errors]
    return []
