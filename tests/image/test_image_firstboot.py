"""raceflags-firstboot run on a folder laid out like a card (RACEFLAGS_ROOT).

It installs a wheelhouse offline into a venv, then takes raceflags.toml from the boot
partition only when the firmware's own loader accepts it.
"""

from __future__ import annotations

import os
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from image.render import SCRIPTS
from image.spec import ImageSpec, plan, raceflags_toml

REPO = Path(__file__).resolve().parents[2]
KEY = "cd" * 32


def firmware_wheel(folder: Path) -> None:
    """A raceflags wheel holding just the real config loader (what firstboot runs)."""
    info = "raceflags-0.1.0.dist-info"
    with zipfile.ZipFile(folder / "raceflags-0.1.0-py3-none-any.whl", "w") as zf:
        zf.writestr("appliance/__init__.py", "")
        zf.write(REPO / "appliance" / "config.py", "appliance/config.py")
        zf.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: raceflags\n"
                                        "Version: 0.1.0\n")
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"
                                     "Tag: py3-none-any\n")
        zf.writestr(f"{info}/RECORD", "")


def make_card(root: Path) -> Path:
    wheels = root / "opt/raceflags/wheels"
    wheels.mkdir(parents=True)
    firmware_wheel(wheels)
    (wheels / "BUILD-ID").write_text("test-build\n")
    (root / "boot/firmware").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "etc/hostname").write_text("raspberrypi\n")
    (root / "etc/hosts").write_text("127.0.0.1\tlocalhost\n127.0.1.1\traspberrypi\n")
    return root


@pytest.fixture(scope="module")
def card(tmp_path_factory) -> Path:
    return make_card(tmp_path_factory.mktemp("card"))


def firstboot(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RACEFLAGS_ROOT": str(root), "PIP_NO_INDEX": "1"}
    return subprocess.run(["sh", str(SCRIPTS / "raceflags-firstboot")], env=env,
                          capture_output=True, text=True, timeout=120)


def write_good_config(card: Path) -> None:
    spec = ImageSpec(role="sector", sector=3)
    (card / "boot/firmware/raceflags.toml").write_text(raceflags_toml(spec, plan(spec), KEY))


def test_a_valid_config_is_installed_with_its_hostname(card):
    write_good_config(card)
    done = firstboot(card)
    assert done.returncode == 0, done.stderr
    installed = card / "etc/raceflags/raceflags.toml"
    assert installed.read_text() == (card / "boot/firmware/raceflags.toml").read_text()
    assert stat.S_IMODE(installed.stat().st_mode) == 0o600  # it holds the mesh key
    assert (card / "etc/hostname").read_text() == "raceflags-sector-3\n"
    assert "127.0.1.1\traceflags-sector-3\n" in (card / "etc/hosts").read_text()
    assert (card / "var/lib/raceflags/firmware.done").read_text() == "test-build\n"


def test_a_bad_config_is_reported_on_the_boot_partition_and_the_good_one_kept(card):
    write_good_config(card)
    assert firstboot(card).returncode == 0
    good = (card / "etc/raceflags/raceflags.toml").read_text()
    (card / "boot/firmware/raceflags.toml").write_text(
        '[node]\nrole = "marshal"\n[race]\nsectors = 99\n[hw]\nbrightnes = 1.0\n')
    done = firstboot(card)
    assert done.returncode == 0, done.stderr
    assert "installing the firmware" not in done.stdout  # once per wheelhouse, not per boot
    errors = (card / "boot/firmware/raceflags-errors.txt").read_text()
    assert "unknown key hw.brightnes (did you mean 'brightness'?)" in errors
    assert (card / "etc/raceflags/raceflags.toml").read_text() == good
    assert "rejected" in done.stdout


def test_a_package_that_fails_to_install_does_not_keep_the_panel_dark(tmp_path):
    card = make_card(tmp_path)
    debs = card / "opt/raceflags/debs"
    debs.mkdir(parents=True)
    (debs / "hostapd_2.10_arm64.deb").write_bytes(b"not a debian archive")
    write_good_config(card)
    done = firstboot(card)
    assert done.returncode == 0, done.stderr
    assert "package install failed" in done.stdout
    assert (card / "var/lib/raceflags/firmware.done").read_text() == "test-build\n"
    assert (card / "etc/raceflags/raceflags.toml").exists()
    assert not (card / "var/lib/raceflags/debs.done").exists()  # tried again next boot
