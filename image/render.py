"""Renders one node's files from the validated spec: what goes where, with which mode.

Templates under `image/templates/` hold `@name@` placeholders. A placeholder without a
value, or a value with a line break (which could smuggle in a second config line), is
an error, not a silent blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from image.spec import CHANNELS_2G, ImageSpec, NodePlan, raceflags_toml
from image.track import TrackSecrets

TEMPLATES = Path(__file__).parent / "templates"
SCRIPTS = Path(__file__).parent / "scripts"
_PLACEHOLDER = re.compile(r"@([a-z_]+)@")
UNITS = "/etc/systemd/system"

# Debian's own services for what our units run with our configs, and the SD card's
# swap file: masked, so installing the packages at first boot starts none of them.
MASKED = ("hostapd.service", "dnsmasq.service", "chrony.service",
          "systemd-timesyncd.service", "dphys-swapfile.service")

_HOSTAPD_SECURITY = {
    "wpa2": ["wpa=2", "wpa_key_mgmt=WPA-PSK", "rsn_pairwise=CCMP",
             "wpa_passphrase={}"],
    # WPA3 only: SAE with hash-to-element and management frame protection required.
    "wpa3": ["wpa=2", "wpa_key_mgmt=SAE", "rsn_pairwise=CCMP", "ieee80211w=2",
             "sae_pwe=1", "sae_password={}"],
    # Both on one SSID: WPA3 phones use SAE (H2E or hunting-and-pecking), older ones WPA2.
    "transition": ["wpa=2", "wpa_key_mgmt=WPA-PSK SAE", "rsn_pairwise=CCMP",
                   "ieee80211w=1", "sae_require_mfp=1", "sae_pwe=2",
                   "wpa_passphrase={}"],
}


@dataclass(frozen=True)
class File:
    path: str  # absolute, inside the partition
    data: bytes
    mode: int = 0o644


@dataclass(frozen=True)
class Link:
    path: str
    target: str


@dataclass
class Layout:
    """Everything one image adds: files on the boot (FAT) and root (ext4) partitions."""

    boot: list[File]
    root: list[File]
    links: list[Link]


# Values that are whole blocks of config lines, built here rather than given by a user.
_BLOCKS = ("security", "mesh_security")


def render(text: str, values: dict[str, object]) -> str:
    """Fill every @name@ in one pass (a value is never scanned for placeholders)."""
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"template placeholder @{name}@ has no value")
        value = str(values[name])
        if name not in _BLOCKS and ("\n" in value or "\r" in value):
            raise ValueError(f"value of @{name}@ must be one line")
        return value
    return _PLACEHOLDER.sub(one, text)


def frequency(channel: int) -> int:
    return 2407 + 5 * channel if channel in CHANNELS_2G else 5000 + 5 * channel


def values(spec: ImageSpec, node: NodePlan, track: TrackSecrets, passphrase: str) -> dict:
    unmanaged = [spec.mesh_iface, "bat0", "br0"]
    if spec.serves_phones:
        unmanaged.append(spec.ap_iface)
    if spec.eth_mode != "none":
        unmanaged.append(spec.eth_iface)
    mesh_security = (["    proto=RSN", "    key_mgmt=WPA-PSK", "    pairwise=CCMP",
                      "    group=CCMP", f'    psk="{track.mesh_passphrase}"']
                     if spec.mesh_encryption else ["    key_mgmt=NONE"])
    return {
        "role": spec.role, "node_id": node.node_id, "country": spec.country,
        "ssid": spec.ssid,
        "hw_mode": "g" if spec.ap_channel in CHANNELS_2G else "a",
        "ap_channel": spec.ap_channel, "ap_iface": spec.ap_iface,
        "mesh_iface": spec.mesh_iface, "eth_iface": spec.eth_iface,
        "mesh_ssid": track.mesh_ssid, "mesh_frequency": frequency(spec.mesh_channel),
        "control_name": spec.control_name, "control_address": node.control_address,
        "address": node.address.with_prefixlen, "node_ip": node.address.ip,
        "netmask": node.address.netmask, "subnet": node.address.network,
        "dhcp_first": node.dhcp_first, "dhcp_last": node.dhcp_last,
        "serves_phones": "yes" if spec.serves_phones else "no",
        "unmanaged": ";".join(f"interface-name:{i}" for i in unmanaged),
        "security": "\n".join(_HOSTAPD_SECURITY[spec.ap_security]).format(passphrase),
        "mesh_security": "\n".join(mesh_security),
    }


def layout(spec: ImageSpec, node: NodePlan, track: TrackSecrets, passphrase: str) -> Layout:
    v = values(spec, node, track, passphrase)

    def t(name: str) -> bytes:
        return render((TEMPLATES / name).read_text(), v).encode()

    root = [
        File("/etc/raceflags/node.env", t("node.env")),
        File("/etc/raceflags/wpa_supplicant-mesh.conf", t("wpa_supplicant-mesh.conf"), 0o600),
        File("/etc/raceflags/chrony.conf",
             t("chrony-control.conf" if spec.role == "control" else "chrony-node.conf")),
        File("/etc/systemd/network/10-raceflags-bat0.netdev", t("10-raceflags-bat0.netdev")),
        File("/etc/systemd/network/10-raceflags-br0.netdev", t("10-raceflags-br0.netdev")),
        File("/etc/systemd/network/20-raceflags-mesh.network", t("20-raceflags-mesh.network")),
        File("/etc/systemd/network/20-raceflags-bat0.network", t("20-raceflags-bat0.network")),
        File("/etc/systemd/network/30-raceflags-br0.network", t("30-raceflags-br0.network")),
        File("/etc/NetworkManager/conf.d/raceflags.conf", t("networkmanager-raceflags.conf")),
        File("/etc/systemd/journald.conf.d/raceflags.conf", t("journald-raceflags.conf")),
        File("/etc/tmpfiles.d/raceflags.conf", t("tmpfiles-raceflags.conf")),
        File("/etc/modules-load.d/raceflags.conf", t("modules-raceflags.conf")),
        File("/usr/local/sbin/raceflags-firstboot",
             (SCRIPTS / "raceflags-firstboot").read_bytes(), 0o755),
        File("/usr/local/sbin/raceflags-radio", (SCRIPTS / "raceflags-radio").read_bytes(), 0o755),
    ]
    if spec.eth_mode != "none":
        name = f"20-raceflags-eth-{spec.eth_mode}.network"
        root.append(File(f"/etc/systemd/network/{name}", t(name)))
    units = ["raceflags.service", "raceflags-firstboot.service", "raceflags-mesh.service",
             "raceflags-time.service", "var-log.mount"]
    if spec.serves_phones:
        units += ["raceflags-ap.service", "raceflags-dhcp.service"]
        root.append(File("/etc/raceflags/hostapd.conf", t("hostapd.conf"), 0o600))
        root.append(File("/etc/raceflags/dnsmasq.conf", t("dnsmasq.conf")))
    root += [File(f"{UNITS}/{unit}", t(unit)) for unit in units]

    links = [Link(f"{UNITS}/{name}", "/dev/null") for name in MASKED]
    for unit in units:
        for target in _wanted_by(t(unit).decode()):
            links.append(Link(f"{UNITS}/{target}.wants/{unit}", f"{UNITS}/{unit}"))
    for unit, target in (("systemd-networkd.service", "multi-user.target"),
                         ("systemd-networkd.socket", "sockets.target")):
        links.append(Link(f"{UNITS}/{target}.wants/{unit}", f"/lib/systemd/system/{unit}"))

    boot = [File("/raceflags.toml", raceflags_toml(spec, node, track.mesh_key).encode())]
    return Layout(boot=boot, root=root, links=links)


def _wanted_by(unit_text: str) -> list[str]:
    """The targets of a unit's [Install] WantedBy=, as `systemctl enable` reads them."""
    targets: list[str] = []
    section = ""
    for line in unit_text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Install]" and line.startswith("WantedBy="):
            targets += line.partition("=")[2].split()
    return targets
