"""Files on the FAT boot partition through mtools, addressed inside the image file."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from image.partitions import Partition


def _env() -> dict[str, str]:
    # The partition is not a floppy: skip mtools' geometry checks.
    return {**os.environ, "MTOOLS_SKIP_CHECK": "1"}


def _drive(image: Path, part: Partition) -> str:
    return f"{image}@@{part.start}"


def write(image: Path, part: Partition, path: str, data: bytes) -> None:
    """Write `data` at `path` (such as /raceflags.toml), replacing any file there."""
    with tempfile.NamedTemporaryFile() as tmp:
        tmp.write(data)
        tmp.flush()
        subprocess.run(["mcopy", "-o", "-i", _drive(image, part), tmp.name, f"::{path}"],
                       check=True, env=_env(), capture_output=True)


def read(image: Path, part: Partition, path: str) -> bytes:
    return subprocess.run(["mcopy", "-n", "-i", _drive(image, part), f"::{path}", "-"],
                          check=True, env=_env(), capture_output=True).stdout

