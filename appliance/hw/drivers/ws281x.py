"""WS2812 strips and matrices through rpi_ws281x (Pi Zero 2 W, 3, 4; not the Pi 5).

Needs /dev/mem (root) for PWM/DMA, DMA channel 10, and the onboard audio off (the image
sets dtparam=audio=off) because both use the PWM block. The C module is imported in
open() only, so this file imports anywhere; tests pass a mock module.
"""

from __future__ import annotations

from ..frame import Frame, Layout
from ..power import capped_brightness
from .base import DriverError


class Ws281xDriver:
    name = "ws281x"

    def __init__(self, hw: dict, layout: Layout, module=None):
        self._hw = hw
        self._order = layout.physical_order()
        self._module = module
        self._strip = None

    def open(self) -> None:
        module = self._module
        if module is None:
            try:
                import rpi_ws281x as module
            except ImportError as exc:  # not installed, or the C part failed to build
                raise DriverError(f"rpi_ws281x not importable: {exc}") from exc
        try:
            strip = module.PixelStrip(len(self._order), self._hw["gpio_pin"],
                                      dma=self._hw["dma"], brightness=255)
            strip.begin()
        except (RuntimeError, OSError) as exc:
            raise DriverError(f"ws281x init failed: {exc}") from exc
        self._strip = strip

    def show(self, frame: Frame) -> None:
        if self._strip is None:
            raise DriverError("ws281x not open")
        px = frame.pixels
        level = capped_brightness(px, self._hw["brightness"], self._hw["supply_amps"])
        self._strip.setBrightness(int(255 * level))  # floor: stay under the cap
        for led, i in enumerate(self._order):
            j = i * 3
            self._strip.setPixelColor(led, (px[j] << 16) | (px[j + 1] << 8) | px[j + 2])
        try:
            self._strip.show()
        except RuntimeError as exc:
            raise DriverError(f"ws281x render failed: {exc}") from exc

    def close(self) -> None:
        strip, self._strip = self._strip, None
        if strip is not None:
            try:
                for led in range(len(self._order)):
                    strip.setPixelColor(led, 0)
                strip.show()
            except RuntimeError:
                pass  # closing a broken strip: nothing more to do
