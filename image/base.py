"""The base image: where to get one, and a sparse copy of it (unpacking .xz on the way)."""

from __future__ import annotations

import lzma
from contextlib import nullcontext
from collections.abc import Callable
from pathlib import Path

HOW_TO_GET_ONE = """\
No base image: give BASE (make image BASE=...) or --base FILE.

The builder starts from Raspberry Pi OS Lite (Bookworm), 64-bit for a Pi 3, 4, 5 or
Zero 2 W (32-bit for older boards, with --arch armv7l):
  1. On a computer with internet, download "Raspberry Pi OS Lite" from
     https://www.raspberrypi.com/software/operating-systems/
     (a file such as 2024-11-19-raspios-bookworm-arm64-lite.img.xz), and check its
     SHA-256 against the one shown on that page: sha256sum FILE
  2. Pass it as it is (an .img.xz is unpacked while copying) or unpack it first:
     xz -dk 2024-11-19-raspios-bookworm-arm64-lite.img.xz
  3. make image BASE=2024-11-19-raspios-bookworm-arm64-lite.img ROLE=sector SECTOR=2
The base image is only read; the result goes to build/ (or --out FILE).
"""

CHUNK = 4 << 20
_ZERO = bytes(CHUNK)


def copy(base: Path, out: Path, progress: Callable[[float], None]) -> None:
    """Copy base to out, leaving runs of zeros as holes; progress gets 0.0..1.0."""
    total = base.stat().st_size
    with open(base, "rb") as raw, open(out, "wb") as dst, \
            (lzma.open(raw) if base.suffix == ".xz" else nullcontext(raw)) as src:
        while chunk := src.read(CHUNK):
            if chunk == _ZERO[:len(chunk)]:
                dst.seek(len(chunk), 1)
            else:
                dst.write(chunk)
            progress(min(raw.tell() / total, 1.0))
        dst.truncate()
