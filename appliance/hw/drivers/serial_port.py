"""A panel behind a USB microcontroller (e.g. WLED), fed Adalight over pyserial.

This is also how a Raspberry Pi 5, which rpi_ws281x does not support, drives LEDs. At
115200 baud a frame of N LEDs takes (3N + 6) x 10 / 115200 s on the wire: 300 LEDs is
79 ms, so large panels want a faster serial_baud (WLED accepts up to 2 Mbaud over USB CDC).
"""

from __future__ import annotations

from ..frame import Frame, Layout
from ..power import capped_brightness
from . import adalight
from .base import DriverError


def _open_serial(port: str, baud: int):
    import serial

    return serial.serial_for_url(port, baudrate=baud, timeout=0, write_timeout=1.0)


class SerialDriver:
    name = "serial"

    def __init__(self, hw: dict, layout: Layout, factory=None):
        self._hw = hw
        self._order = layout.physical_order()
        self._factory = factory or _open_serial
        self._port = None

    def open(self) -> None:
        try:
            self._port = self._factory(self._hw["serial_port"], self._hw["serial_baud"])
        except (OSError, ValueError) as exc:  # SerialException is an OSError
            raise DriverError(f"serial {self._hw['serial_port']}: {exc}") from exc

    def show(self, frame: Frame) -> None:
        if self._port is None:
            raise DriverError("serial not open")
        px = frame.pixels
        level = capped_brightness(px, self._hw["brightness"], self._hw["supply_amps"])
        scale = int(level * 256)
        wired = bytearray(len(self._order) * 3)
        for led, i in enumerate(self._order):
            wired[led * 3:led * 3 + 3] = px[i * 3:i * 3 + 3]
        if scale < 256:
            wired = bytearray(v * scale >> 8 for v in wired)
        try:
            self._port.write(adalight.encode(wired))
        except (OSError, ValueError) as exc:  # unplugged: SerialException / closed port
            raise DriverError(f"serial write failed: {exc}") from exc

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except OSError:
                pass  # already gone with the cable
