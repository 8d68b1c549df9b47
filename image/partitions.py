"""The partitions of a Raspberry Pi OS image, read from its MBR (no loop device, no root)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

SECTOR = 512
FAT_TYPES = {0x0B, 0x0C, 0x0E}  # FAT32 (CHS), FAT32 (LBA), FAT16 (LBA)
LINUX = 0x83


class PartitionError(ValueError):
    pass


@dataclass(frozen=True)
class Partition:
    number: int
    kind: int
    start: int  # bytes from the start of the image
    size: int  # bytes


def read_mbr(image: Path) -> list[Partition]:
    with open(image, "rb") as fh:
        mbr = fh.read(SECTOR)
    if len(mbr) < SECTOR or mbr[510:512] != b"\x55\xaa":
        raise PartitionError(f"{image} has no MBR partition table (is it a Raspberry Pi "
                             "OS .img, unpacked?)")
    parts = []
    for i in range(4):
        entry = mbr[446 + 16 * i: 446 + 16 * (i + 1)]
        kind = entry[4]
        lba, count = struct.unpack("<II", entry[8:16])
        if kind and count:
            parts.append(Partition(i + 1, kind, lba * SECTOR, count * SECTOR))
    return parts


def boot_and_root(image: Path) -> tuple[Partition, Partition]:
    """The first FAT partition (boot) and the first Linux one (root)."""
    parts = read_mbr(image)
    boot = next((p for p in parts if p.kind in FAT_TYPES), None)
    root = next((p for p in parts if p.kind == LINUX), None)
    if boot is None or root is None:
        kinds = ", ".join(f"{p.number}: 0x{p.kind:02x}" for p in parts) or "none"
        raise PartitionError(f"{image} needs a FAT boot and a Linux root partition "
                             f"(found {kinds})")
    return boot, root
