"""Build images from a small synthetic Raspberry Pi OS image and read every file back.

The read-back here is independent of the builder's own check: the partitions are found
again from the MBR, every file is dumped with debugfs or mcopy, and both file systems
must pass their own fsck afterwards.
"""

from __future__ import annotations

import hashlib
import lzma
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from appliance.config import load
from image_support import need
from image import build, ext4, fat
from image.partitions import boot_and_root
from image.render import MASKED
from image.spec import ImageSpec, plan
from image.track import load as load_track

REPO = Path(__file__).resolve().parents[2]


def run_build(tmp: Path, base: Path, wheels: Path, *args: str, out: str = "out.img"):
    argv = ["--base", str(base), "--out", str(tmp / out), "--wheelhouse", str(wheels),
            "--track-secrets", str(tmp / "track.toml"), *args]
    return build.main(argv), tmp / out


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def root_files(image: Path) -> dict[str, bytes]:
    _, root = boot_and_root(image)
    paths = [f"/etc/raceflags/{n}" for n in ("node.env", "wpa_supplicant-mesh.conf",
                                              "chrony.conf", "hostapd.conf", "dnsmasq.conf")]
    return ext4.read(image, root, paths)


def test_a_sector_post_image_carries_every_file(tmp_path, base_image, wheels, capsys):
    before = sha(base_image)
    rc, out = run_build(tmp_path, base_image, wheels, "--role", "sector", "--sector", "2")
    assert rc == 0
    assert sha(base_image) == before, "the base image must only be read"
    boot, root = boot_and_root(out)

    config_text = fat.read(out, boot, "/raceflags.toml")
    (tmp_path / "raceflags.toml").write_text(config_text.decode())
    config = load(str(tmp_path / "raceflags.toml"))
    assert (config.role, config.sector, config["node"]["id"]) == ("sector", 2, "sector-2")
    assert config["mesh"]["mesh_key"] == load_track(tmp_path / "track.toml").mesh_key

    spec = ImageSpec(role="sector", sector=2)
    layout = build.layout(spec, plan(spec), load_track(tmp_path / "track.toml"), "unused")
    wanted = [f.path for f in layout.root] + ["/opt/raceflags/wheels/BUILD-ID"]
    wheels_in = [f"/opt/raceflags/wheels/{w.name}" for w in wheels.glob("*.whl")]
    content = ext4.read(out, root, wanted + wheels_in)
    entries = ext4.stat(out, root, wanted + wheels_in + [ln.path for ln in layout.links])
    for f in layout.root:
        assert content[f.path] == f.data, f.path
        assert entries[f.path].mode & 0o7777 == f.mode, f.path
        assert (entries[f.path].uid, entries[f.path].gid) == (0, 0), f.path
    for w in wheels.glob("*.whl"):
        assert content[f"/opt/raceflags/wheels/{w.name}"] == w.read_bytes()
    for ln in layout.links:
        assert entries[ln.path].kind == "symlink" and entries[ln.path].target == ln.target
    for masked in MASKED:
        assert entries[f"/etc/systemd/system/{masked}"].target == "/dev/null"
    assert "/etc/raceflags/hostapd.conf" not in content  # a post serves no phones
    assert ext4.read(out, root, ["/etc/hostname"])["/etc/hostname"] == b"raspberrypi\n"
    assert "node: sector-2 (sector) at 10.42.0.12" in capsys.readouterr().out

    need("e2fsck", "fsck.vfat")
    subprocess.run(["e2fsck", "-fn", f"{out}?offset={root.start}"], check=True,
                   capture_output=True)
    fat_copy = tmp_path / "boot.fat"  # fsck.vfat takes no offset: check a copy
    with open(out, "rb") as fh:
        fh.seek(boot.start)
        fat_copy.write_bytes(fh.read(boot.size))
    subprocess.run(["fsck.vfat", "-n", str(fat_copy)], check=True, capture_output=True)


def test_race_control_serves_phones_with_a_fresh_passphrase(tmp_path, base_image, wheels):
    rc, first = run_build(tmp_path, base_image, wheels, "--role", "control", out="a.img")
    assert rc == 0
    rc, second = run_build(tmp_path, base_image, wheels, "--role", "control", out="b.img")
    assert rc == 0
    a, b = root_files(first), root_files(second)
    assert b"ssid=RACE\n" in a["/etc/raceflags/hostapd.conf"]
    assert b"wpa_key_mgmt=WPA-PSK\n" in a["/etc/raceflags/hostapd.conf"]
    assert b"R4c3S3cur3" not in a["/etc/raceflags/hostapd.conf"]
    assert a["/etc/raceflags/hostapd.conf"] != b["/etc/raceflags/hostapd.conf"]
    # ... while the track's own secrets are the same in both.
    mesh = "/etc/raceflags/wpa_supplicant-mesh.conf"
    assert a[mesh] == b[mesh]
    assert b"address=/race.lan/10.42.0.1\n" in a["/etc/raceflags/dnsmasq.conf"]
    assert b"local stratum" in a["/etc/raceflags/chrony.conf"]
    wifi = first.with_name("a.img.wifi.txt")
    assert stat.S_IMODE(wifi.stat().st_mode) == 0o600
    phrase = wifi.read_text().split("Passphrase: ")[1].split()[0]
    assert f"wpa_passphrase={phrase}\n".encode() in a["/etc/raceflags/hostapd.conf"]


def test_wpa3_and_a_given_passphrase(tmp_path, base_image, wheels):
    (tmp_path / "phrase").write_text("the same on every access point\n")
    rc, out = run_build(tmp_path, base_image, wheels, "--role", "repeater", "--index", "3",
                        "--ap-security", "wpa3", "--ap-passphrase-file",
                        str(tmp_path / "phrase"), "--eth-mode", "backhaul")
    assert rc == 0
    hostapd = root_files(out)["/etc/raceflags/hostapd.conf"].decode()
    for line in ("wpa_key_mgmt=SAE", "ieee80211w=2", "sae_pwe=1",
                 "sae_password=the same on every access point"):
        assert f"{line}\n" in hostapd
    _, root = boot_and_root(out)
    eth = ext4.read(out, root, ["/etc/systemd/network/20-raceflags-eth-backhaul.network"])
    assert b"BatmanAdvanced=bat0" in next(iter(eth.values()))


def test_an_xz_base_is_unpacked_on_the_way(tmp_path, base_image, wheels):
    packed = tmp_path / "raspios-lite.img.xz"
    with open(base_image, "rb") as src, lzma.open(packed, "wb", preset=0) as dst:
        shutil.copyfileobj(src, dst)
    rc, out = run_build(tmp_path, packed, wheels, "--role", "semaphore")
    assert rc == 0
    assert out.stat().st_size == base_image.stat().st_size
    boot, _ = boot_and_root(out)
    assert b'role = "semaphore"' in fat.read(out, boot, "/raceflags.toml")


def test_a_bad_config_builds_nothing_and_makes_no_track(tmp_path, base_image, wheels, capsys):
    rc, out = run_build(tmp_path, base_image, wheels, "--role", "sector", "--sector", "9",
                        "--ssid", "x" * 40, "--ap", "--ap-passphrase-file", __file__)
    err = capsys.readouterr().err
    assert rc == 2
    assert "sector must be 1..3" in err and "ssid must be 1..32 bytes" in err
    assert "ap passphrase must be 8..63" in err
    assert not out.exists() and not (tmp_path / "track.toml").exists()


def test_a_wheelhouse_without_the_firmware_is_refused(tmp_path, base_image, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    rc, out = run_build(tmp_path, base_image, empty, "--role", "control")
    assert rc == 1 and "no raceflags-*.whl" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("base", ["", "missing.img"])
def test_no_base_explains_how_to_get_one(tmp_path, base):
    done = subprocess.run([sys.executable, "-m", "image.build", "--base", base,
                           "--role", "sector", "--sector", "2"],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2
    assert "Raspberry Pi OS Lite" in done.stderr and "make image BASE=" in done.stderr
    assert "xz -dk" in done.stderr


def test_make_image_without_base_fails_with_the_explanation():
    need("make")
    if subprocess.run(["make", "-q", ".venv/.installed"], cwd=REPO).returncode:
        pytest.skip("the venv is not up to date (make .venv/.installed)")
    done = subprocess.run(["make", "-s", "image", "ROLE=sector", "SECTOR=2"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode != 0
    assert "Raspberry Pi OS Lite" in done.stderr



def test_a_base_without_partitions_is_refused(tmp_path, wheels, capsys):
    blank = tmp_path / "blank.img"
    blank.write_bytes(bytes(1 << 20))
    rc, out = run_build(tmp_path, blank, wheels, "--role", "control")
    assert rc == 1 and "no MBR partition table" in capsys.readouterr().err
    assert not out.exists()
