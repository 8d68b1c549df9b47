"""Helpers for the image builder's tests: a small synthetic Raspberry Pi OS image and wheels.

The base image is what the builder meets on a real card, only small: an MBR, a FAT32
boot partition and an ext4 root holding a few of Raspberry Pi OS's files.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

IMAGE_TOOLS = {"sfdisk": "fdisk", "mkfs.vfat": "dosfstools", "mkfs.ext4": "e2fsprogs",
               "debugfs": "e2fsprogs", "mcopy": "mtools"}
BOOT_START, BOOT_SECTORS = 2048, 69632  # 34 MiB: the least FAT32 with 512-byte clusters
ROOT_START, ROOT_SECTORS = BOOT_START + BOOT_SECTORS, 65536  # 32 MiB


def need(*tools: str) -> None:
    """Skip the test, naming the Debian package, when a tool is not installed."""
    for tool in tools:
        if not shutil.which(tool):
            pytest.skip(f"{tool} not installed (Debian package "
                        f"{IMAGE_TOOLS.get(tool, tool)}; tests/install-system-deps.sh)")


def make_base(path: Path, skeleton: Path) -> Path:
    """Write a Raspberry-Pi-OS-shaped image: MBR, FAT32 'bootfs', ext4 'rootfs'."""
    need(*IMAGE_TOOLS)
    for rel, text in {"etc/hostname": "raspberrypi\n",
                      "etc/hosts": "127.0.0.1\tlocalhost\n127.0.1.1\traspberrypi\n",
                      "etc/systemd/system/multi-user.target.wants/ssh.service":
                      "# stands in for a link Raspberry Pi OS has\n",
                      "usr/local/sbin/.keep": ""}.items():
        (skeleton / rel).parent.mkdir(parents=True, exist_ok=True)
        (skeleton / rel).write_text(text)
    size = (ROOT_START + ROOT_SECTORS) * 512
    with open(path, "wb") as fh:
        fh.truncate(size)
    table = (f"label: dos\nstart={BOOT_START}, size={BOOT_SECTORS}, type=c\n"
             f"start={ROOT_START}, size={ROOT_SECTORS}, type=83\n")
    run = {"check": True, "capture_output": True}
    subprocess.run(["sfdisk", "-q", str(path)], input=table.encode(), **run)
    subprocess.run(["mkfs.vfat", "-F", "32", "-s", "1", "-n", "BOOTFS", "--offset", str(BOOT_START),
                    str(path), str(BOOT_SECTORS // 2)], **run)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "rootfs", "-d", str(skeleton),
                    "-E", f"offset={ROOT_START * 512}", str(path), f"{ROOT_SECTORS // 2}k"],
                   **run)
    return path


def make_wheel(folder: Path, name: str, version: str = "0.1.0") -> Path:
    """A minimal, valid-looking pure-Python wheel (the builder only carries it)."""
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(f"{name}/__init__.py", "")
        zf.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\n"
                                        f"Version: {version}\n")
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"
                                     "Tag: py3-none-any\n")
        zf.writestr(f"{info}/RECORD", "")
    return wheel


def make_deb(folder: Path, name: str, version: str = "1.0-1", arch: str = "arm64",
             depends: str = "") -> Path:
    """A tiny .deb built with dpkg-deb, named as apt names its downloads."""
    if not shutil.which("dpkg-deb"):
        pytest.skip("dpkg-deb not installed (Debian package dpkg)")
    tree = folder / f".{name}-tree"
    (tree / "DEBIAN").mkdir(parents=True, exist_ok=True)
    control = (f"Package: {name}\nVersion: {version}\nArchitecture: {arch}\n"
               "Maintainer: tests <tests@example.invalid>\n"
               + (f"Depends: {depends}\n" if depends else "")
               + f"Description: stands in for {name}\n")
    (tree / "DEBIAN" / "control").write_text(control)
    deb = folder / f"{name}_{version.replace(':', '%3a')}_{arch}.deb"
    subprocess.run(["dpkg-deb", "-Zgzip", "--build", str(tree), str(deb)], check=True,
                   capture_output=True)
    shutil.rmtree(tree)
    return deb
