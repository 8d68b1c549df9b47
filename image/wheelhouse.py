"""The firmware and its Python dependencies as wheels for the Pi, installed offline.

The track has no internet, so the card carries every wheel: the firmware built from
this checkout, and its dependencies downloaded for the Pi's platform (aarch64 or armv7l,
CPython 3.11, as in Raspberry Pi OS Bookworm). `from_dir` takes a wheelhouse made
beforehand, for builds without network.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PLATFORMS = {
    "aarch64": ["manylinux2014_aarch64", "manylinux_2_28_aarch64", "linux_aarch64"],
    "armv7l": ["manylinux2014_armv7l", "manylinux_2_31_armv7l", "linux_armv7l"],
}
REPO = Path(__file__).resolve().parent.parent


class WheelhouseError(RuntimeError):
    pass


def build(dest: Path, arch: str, python: str = "3.11") -> list[Path]:
    """Build the firmware wheel and download its dependencies for `arch` into dest."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    with tempfile.TemporaryDirectory() as tmp:
        # A clean copy: setuptools would reuse (and ship) stale files from build/.
        source = Path(tmp, "src")
        shutil.copytree(REPO / "appliance", source / "appliance",
                        ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (REPO / name).exists():
                shutil.copy2(REPO / name, source)
        _run(pip + ["wheel", "--no-deps", "-w", str(dest), str(source)],
             "building the firmware wheel")
    firmware = _firmware(dest)
    platforms = [arg for p in PLATFORMS[arch] for arg in ("--platform", p)]
    abi = "cp" + python.replace(".", "")
    _run(pip + ["download", "-d", str(dest), "--only-binary=:all:", "--implementation", "cp",
                "--python-version", python, "--abi", abi, *platforms, str(firmware)],
         f"downloading the dependencies for {arch}")
    return sorted(dest.glob("*.whl"))


def from_dir(src: Path, dest: Path) -> list[Path]:
    """Copy a prepared wheelhouse (it must hold a raceflags wheel) into dest."""
    for wheel in src.glob("*.whl"):
        shutil.copy2(wheel, dest)
    _firmware(dest)
    return sorted(dest.glob("*.whl"))


def add(src: Path, dest: Path) -> list[Path]:
    """Copy more wheels in, such as an rpi_ws281x wheel built on a Pi (PyPI has none)."""
    found = sorted(src.glob("*.whl"))
    if not found:
        raise WheelhouseError(f"no .whl files in {src}")
    for wheel in found:
        shutil.copy2(wheel, dest)
    return sorted(dest.glob("*.whl"))


def build_id(wheels: list[Path]) -> str:
    """Names the wheelhouse: a card reinstalls the firmware only when this changes."""
    digest = hashlib.sha256()
    for wheel in sorted(wheels):
        digest.update(wheel.name.encode() + b"\0" + wheel.read_bytes())
    return digest.hexdigest()[:16]


def _firmware(dest: Path) -> Path:
    found = sorted(dest.glob("raceflags-*.whl"))
    if not found:
        raise WheelhouseError(f"no raceflags-*.whl in the wheelhouse {dest}")
    return found[-1]


def _run(args: list[str], what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode:
        raise WheelhouseError(f"{what} failed:\n{done.stderr.strip()[-2000:]}")
