"""The wheelhouse the card installs offline.

The download from PyPI runs only with RACEFLAGS_IMAGE_DOWNLOAD=1: the other tests stay
offline and take a prepared wheelhouse instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from image import wheelhouse
from image_support import make_wheel


def test_the_build_id_follows_the_wheels(tmp_path):
    a = make_wheel(tmp_path, "raceflags")
    first = wheelhouse.build_id([a])
    assert wheelhouse.build_id([a]) == first
    b = make_wheel(tmp_path, "microdot", "2.7.0")
    assert wheelhouse.build_id([a, b]) != first


def test_extra_wheels_must_be_wheels(tmp_path):
    (tmp_path / "src").mkdir()
    with pytest.raises(wheelhouse.WheelhouseError, match="no .whl files"):
        wheelhouse.add(tmp_path / "src", tmp_path)


@pytest.mark.skipif(os.environ.get("RACEFLAGS_IMAGE_DOWNLOAD") != "1",
                    reason="downloads from PyPI: set RACEFLAGS_IMAGE_DOWNLOAD=1")
@pytest.mark.parametrize("arch", sorted(wheelhouse.PLATFORMS))
def test_the_downloaded_wheelhouse_installs_offline_on_the_pi(tmp_path, arch):
    wheels = wheelhouse.build(tmp_path / "wheels", arch)
    names = {w.name.split("-")[0].lower() for w in wheels}
    assert {"raceflags", "microdot", "bcrypt", "gpiozero", "pyserial"} <= names
    platforms = [a for p in wheelhouse.PLATFORMS[arch] for a in ("--platform", p)]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--dry-run", "--no-index",
         "--find-links", str(tmp_path / "wheels"), "--only-binary=:all:", *platforms,
         "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
         "--target", str(tmp_path / "target"), "--report", "-", "raceflags"],
        capture_output=True, text=True, check=True)
    resolved = {i["metadata"]["name"] for i in json.loads(done.stdout)["install"]}
    assert "raceflags" in resolved and "bcrypt" in resolved
