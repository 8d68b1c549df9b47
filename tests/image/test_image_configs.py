"""The rendered configs, checked by the real tools wherever they can check.

hostapd and wpa_supplicant have no dry run: they are started in a new, empty network
namespace (`unshare -rn`), where they read and check the whole config and then fail to
find nl80211, touching no real interface. A config error shows as their own
"Line N: ..." complaint.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from image.render import SCRIPTS, layout
from image.spec import ImageSpec, plan
from image.track import TrackSecrets
from image_support import need

TRACK = TrackSecrets.generate()
ROLES = [ImageSpec(role="control", eth_mode="lan"), ImageSpec(role="sector", sector=2),
         ImageSpec(role="semaphore", ap=True), ImageSpec(role="repeater", index=2,
                                                         eth_mode="backhaul")]


def files_of(spec: ImageSpec, phrase: str = "k7mqp-x3vhd-a9wue-r2tzn") -> dict[str, bytes]:
    rendered = layout(spec, plan(spec), TRACK, phrase)
    return {f.path: f.data for f in rendered.root}


def in_empty_netns(tmp_path: Path, name: str, data: bytes, *command: str) -> str:
    need("unshare")
    conf = tmp_path / name
    conf.write_bytes(data)
    if subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode:
        pytest.skip("cannot make a network namespace here (unshare -rn)")
    done = subprocess.run(["timeout", "10", "unshare", "-rn", *command, str(conf)],
                          capture_output=True, text=True)
    return done.stdout + done.stderr


@pytest.mark.parametrize("security", ["wpa2", "wpa3", "transition"])
def test_hostapd_reads_the_access_point_config(tmp_path, security):
    need("hostapd")
    conf = files_of(ImageSpec(role="control", ap_security=security))["/etc/raceflags/hostapd.conf"]
    out = in_empty_netns(tmp_path, "hostapd.conf", conf, "hostapd")
    assert not re.search(r"^Line \d+:", out, re.M), out
    assert "errors found in configuration file" not in out, out
    assert "nl80211" in out, out  # it got past the config, as far as the (absent) radio


def test_hostapd_check_would_catch_a_bad_line(tmp_path):
    need("hostapd")
    conf = files_of(ImageSpec(role="control"))["/etc/raceflags/hostapd.conf"]
    bad = re.sub(rb"wpa_passphrase=.*", b"wpa_passphrase=short", conf)
    out = in_empty_netns(tmp_path, "hostapd.conf", bad, "hostapd")
    assert "errors found in configuration file" in out


@pytest.mark.parametrize("open_mesh", [False, True])
def test_wpa_supplicant_reads_the_mesh_config(tmp_path, open_mesh):
    need("wpa_supplicant")
    spec = ImageSpec(role="sector", sector=1, mesh_encryption=not open_mesh)
    conf = files_of(spec)["/etc/raceflags/wpa_supplicant-mesh.conf"]
    assert (b"proto=RSN" in conf) is not open_mesh
    out = in_empty_netns(tmp_path, "mesh.conf", conf, "wpa_supplicant", "-i", "wlan0",
                         "-D", "nl80211", "-c")
    assert "Failed to read or parse configuration" not in out, out
    assert not re.search(r"^Line \d+:", out, re.M), out


@pytest.mark.parametrize("spec", [s for s in ROLES if s.serves_phones], ids=lambda s: s.role)
def test_dnsmasq_accepts_the_dhcp_config(tmp_path, spec):
    need("dnsmasq")
    conf = tmp_path / "dnsmasq.conf"
    conf.write_bytes(files_of(spec)["/etc/raceflags/dnsmasq.conf"])
    done = subprocess.run(["dnsmasq", "--test", "-C", str(conf)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert "syntax check OK" in done.stderr


@pytest.mark.parametrize("spec", ROLES[:2], ids=lambda s: s.role)
def test_chrony_accepts_the_time_config(tmp_path, spec):
    need("chronyd")
    conf = tmp_path / "chrony.conf"
    conf.write_bytes(files_of(spec)["/etc/raceflags/chrony.conf"])
    done = subprocess.run(["chronyd", "-p", "-f", str(conf)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _unit_root(tmp_path: Path, files: dict[str, bytes]) -> list[str]:
    """A root with the host's stock units, ours, and a stub for each program we run."""
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    units = []
    for path, data in files.items():
        if path.startswith("/etc/systemd/system/"):
            (root / path[1:]).parent.mkdir(parents=True, exist_ok=True)
            (root / path[1:]).write_bytes(data)
            units.append(Path(path).name)
            for program in re.findall(rb"^Exec\w*=[-@!+]*(/\S+)", data, re.M):
                stub = root / program.decode()[1:]
                stub.parent.mkdir(parents=True, exist_ok=True)
                stub.write_text("#!/bin/sh\n")
                stub.chmod(0o755)
    return units


@pytest.mark.parametrize("spec", ROLES, ids=lambda s: s.role)
def test_systemd_analyze_verifies_every_unit(tmp_path, spec):
    need("systemd-analyze")
    if not Path("/usr/lib/systemd/system/multi-user.target").exists():
        pytest.skip("no systemd unit files on this host to verify against")
    units = _unit_root(tmp_path, files_of(spec))
    assert "raceflags.service" in units and "var-log.mount" in units
    done = subprocess.run(["systemd-analyze", "verify", "--man=no",
                           f"--root={tmp_path / 'root'}", *units],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr


def test_the_watchdog_is_set_on_the_appliance_unit():
    unit = files_of(ROLES[1])["/etc/systemd/system/raceflags.service"].decode()
    for line in ("WatchdogSec=15s", "NotifyAccess=main", "Restart=on-failure",
                 "ExecStart=/opt/raceflags/venv/bin/raceflags run --config "
                 "/etc/raceflags/raceflags.toml"):
        assert f"\n{line}\n" in unit


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.iterdir()))
def test_shellcheck_passes_every_script(script):
    need("shellcheck")
    done = subprocess.run(["shellcheck", "--shell=sh", str(SCRIPTS / script)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_no_placeholder_is_left_unfilled():
    for spec in ROLES + [ImageSpec(role="control", ap_security="transition")]:
        for path, data in files_of(spec).items():
            assert not re.search(rb"@[a-z_]+@", data), path


def test_systemd_networkd_reads_the_network_files(tmp_path):
    """networkd itself parses them, in new network and mount namespaces (root only)."""
    need("unshare", "/lib/systemd/systemd-networkd")
    folder = tmp_path / "network"
    folder.mkdir()
    for spec in ROLES + [ImageSpec(role="control", eth_mode="backhaul")]:
        for path, data in files_of(spec).items():
            if path.startswith("/etc/systemd/network/"):
                (folder / Path(path).name).write_bytes(data)
    # A file with a bad key shows that the parser ran and that its complaints are seen.
    (folder / "99-sentinel.network").write_text("[Match]\nName=none0\n[Network]\nBogus=1\n")
    script = (f"mount -t tmpfs tmpfs /run/systemd && mount --bind {folder} "
              "/etc/systemd/network && exec /lib/systemd/systemd-networkd")
    try:
        done = subprocess.run(["unshare", "-nm", "--propagation", "private", "sh", "-c", script],
                              capture_output=True, text=True, timeout=2,
                              env={"SYSTEMD_LOG_TARGET": "console", "PATH": "/usr/bin:/bin"})
        out = done.stderr
    except subprocess.TimeoutExpired as exc:  # it runs as a daemon: stopped once it has read
        out = (exc.stderr or b"").decode()
    if "Operation not permitted" in out or "unshare failed" in out:
        pytest.skip("needs root for network and mount namespaces")
    complaints = [line for line in out.splitlines() if "/etc/systemd/network/" in line]
    assert any("99-sentinel.network" in line for line in complaints), out
    assert [c for c in complaints if "99-sentinel" not in c] == []
