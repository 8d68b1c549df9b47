"""On a real post only: skipped unless HW_REAL_LEDS=<count> (a WS2812 panel on hw.gpio_pin,
run as root) or HW_REAL_SERIAL=<port> (an Adalight/WLED controller) is set. Each lights
the panel red, green, blue for a moment and then blanks it; watch it."""

import os
import time

import pytest

from appliance import config as config_mod
from appliance.hw.drivers.serial_port import SerialDriver
from appliance.hw.drivers.ws281x import Ws281xDriver
from appliance.hw.frame import Frame, Layout


def _sweep(driver, layout):
    driver.open()
    try:
        for color in (b"\x40\x00\x00", b"\x00\x40\x00", b"\x00\x00\x40"):
            driver.show(Frame(layout, bytearray(color * layout.count), "test", 0))
            time.sleep(0.3)
    finally:
        driver.close()


@pytest.mark.skipif(not os.environ.get("HW_REAL_LEDS"), reason="set HW_REAL_LEDS=<count>")
def test_real_ws281x_panel():
    hw = config_mod.load(overrides={"hw": {"driver": "ws281x",
                                           "led_count": int(os.environ["HW_REAL_LEDS"])}})["hw"]
    layout = Layout.from_config(hw)
    _sweep(Ws281xDriver(hw, layout), layout)


@pytest.mark.skipif(not os.environ.get("HW_REAL_SERIAL"), reason="set HW_REAL_SERIAL=<port>")
def test_real_serial_panel():
    hw = config_mod.load(overrides={"hw": {
        "driver": "serial", "serial_port": os.environ["HW_REAL_SERIAL"],
        "led_count": int(os.environ.get("HW_REAL_LEDS_SERIAL", "60"))}})["hw"]
    layout = Layout.from_config(hw)
    _sweep(SerialDriver(hw, layout), layout)
