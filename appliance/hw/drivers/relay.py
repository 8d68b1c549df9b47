"""Mains-lamp gantries (start lights, pit exit) through relays: one output per lamp group.

Lamp groups come from the frame (`Frame.lamps`): red1..red5 for the start lights, red,
green, blue, orange, yellow, white, magenta for the rest. hw.relay_pins maps each group
the gantry has to a GPIO; groups it lacks are simply not shown.
"""

from __future__ import annotations

from ..frame import Frame
from .base import DriverError


class RelayDriver:
    name = "relay"

    def __init__(self, hw: dict, pin_factory=None):
        self._pins = dict(hw["relay_pins"])
        self._factory = pin_factory
        self._outputs: dict = {}

    def open(self) -> None:
        from gpiozero import DigitalOutputDevice, GPIOZeroError

        if not self._pins:
            raise DriverError("relay driver needs hw.relay_pins")
        try:
            for group, pin in self._pins.items():
                self._outputs[group] = DigitalOutputDevice(pin, pin_factory=self._factory)
        except GPIOZeroError as exc:
            self.close()
            raise DriverError(f"relay init failed: {exc}") from exc

    def show(self, frame: Frame) -> None:
        if not self._outputs:
            raise DriverError("relay not open")
        for group, output in self._outputs.items():
            output.value = frame.lamps.get(group, False)

    def close(self) -> None:
        outputs, self._outputs = self._outputs, {}
        for output in outputs.values():
            output.close()
