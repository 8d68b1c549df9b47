"""The Adalight wire format, spoken by WLED and most USB LED firmwares.

A frame is b"Ada", the LED count minus one as two big-endian bytes, a checksum
(hi ^ lo ^ 0x55), then count x (R, G, B).
"""

from __future__ import annotations


def header(count: int) -> bytes:
    hi, lo = (count - 1) >> 8 & 0xFF, (count - 1) & 0xFF
    return bytes((0x41, 0x64, 0x61, hi, lo, hi ^ lo ^ 0x55))


def encode(rgb: bytes | bytearray) -> bytes:
    """One Adalight frame for flat RGB bytes in wiring order."""
    return header(len(rgb) // 3) + bytes(rgb)
