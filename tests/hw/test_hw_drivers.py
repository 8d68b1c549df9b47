"""Drivers behind the panel interface: rpi_ws281x through a recording mock, Adalight over
pyserial's loop:// and a pty (parsed back), relays on gpiozero MockFactory pins, and the
choice of driver with its warnings."""

import logging
import os

import pytest
import serial
from gpiozero.pins.mock import MockFactory

from appliance import config as config_mod
from appliance.hw.drivers.base import DriverError
from appliance.hw.drivers.choose import make_driver
from appliance.hw.drivers.relay import RelayDriver
from appliance.hw.drivers.serial_port import SerialDriver
from appliance.hw.drivers.sim import SimDriver, preview
from appliance.hw.drivers.ws281x import Ws281xDriver
from appliance.hw.fakes import MockWs281x
from appliance.hw.frame import Frame, Layout
from appliance.hw.power import capped_brightness, estimate_amps


def hw_config(**hw):
    return config_mod.load(overrides={"hw": hw})["hw"]


def gradient(layout: Layout) -> Frame:
    px = bytearray()
    for i in range(layout.count):
        px += bytes((i % 256, (2 * i) % 256, 7))
    return Frame(layout, px, "test", 0)


def parse_adalight(data: bytes) -> list[list[tuple[int, int, int]]]:
    """Split a byte stream into frames, checking header, length and checksum."""
    frames = []
    while data:
        assert data[:3] == b"Ada", data[:6]
        hi, lo, check = data[3], data[4], data[5]
        assert check == hi ^ lo ^ 0x55
        count = (hi << 8 | lo) + 1
        body, data = data[6:6 + 3 * count], data[6 + 3 * count:]
        assert len(body) == 3 * count
        frames.append([tuple(body[i:i + 3]) for i in range(0, len(body), 3)])
    return frames


# -- ws281x ----------------------------------------------------------------------------

def test_ws281x_serpentine_matrix_pixels_reach_the_strip():
    hw = hw_config(driver="ws281x", layout="matrix", width=4, height=2, brightness=1.0,
                   supply_amps=100.0)
    layout = Layout.from_config(hw)
    mock = MockWs281x()
    driver = Ws281xDriver(hw, layout, mock)
    driver.open()
    frame = gradient(layout)
    driver.show(frame)
    (strip,) = mock.strips
    assert (strip.pin, strip.dma, strip.began) == (18, 10, True)
    brightness, leds = mock.shows[-1]
    assert brightness == 255
    expected = []
    for i in layout.physical_order():  # row 1 runs backwards
        r, g, b = frame.rgb(i)
        expected.append(r << 16 | g << 8 | b)
    assert leds == expected
    assert layout.physical_order() == [0, 1, 2, 3, 7, 6, 5, 4]
    driver.close()
    assert mock.shows[-1][1] == [0] * 8  # closing blanks the panel


def test_ws281x_init_failure_is_a_driver_error():
    hw = hw_config(driver="ws281x")
    driver = Ws281xDriver(hw, Layout.from_config(hw), MockWs281x(fail_init=True))
    with pytest.raises(DriverError, match="ws281x init failed"):
        driver.open()


def test_brightness_is_capped_to_the_supply():
    hw = hw_config(driver="ws281x", led_count=300, brightness=1.0, supply_amps=4.0)
    layout = Layout.from_config(hw)
    mock = MockWs281x()
    driver = Ws281xDriver(hw, layout, mock)
    driver.open()
    white = Frame(layout, bytearray(b"\xff" * 900), "white", 0)
    driver.show(white)
    level = mock.shows[-1][0] / 255
    assert estimate_amps(white.pixels, level) <= 4.0 * 0.9 + 0.01
    assert level < 0.25  # 300 LEDs at full white would want 18.3 A
    dark = Frame(layout, bytearray(900), "none", 0)
    assert capped_brightness(dark.pixels, 1.0, 4.0) == 1.0


# -- serial / Adalight -------------------------------------------------------------------

def test_adalight_over_loop_url_is_parsed_back():
    port = serial.serial_for_url("loop://", timeout=1)
    hw = hw_config(driver="serial", serial_port="loop://", layout="matrix", width=3,
                   height=2, brightness=1.0)
    layout = Layout.from_config(hw)
    driver = SerialDriver(hw, layout, factory=lambda url, baud: port)
    driver.open()
    frame = gradient(layout)
    driver.show(frame)
    driver.show(frame)
    frames = parse_adalight(port.read(2 * (6 + 18)))
    assert len(frames) == 2
    assert frames[0] == [frame.rgb(i) for i in layout.physical_order()]
    driver.close()


def test_adalight_over_a_pty_with_brightness():
    master, slave = os.openpty()
    try:
        hw = hw_config(driver="serial", serial_port=os.ttyname(slave), led_count=4,
                       brightness=0.5)
        driver = SerialDriver(hw, Layout.from_config(hw))
        driver.open()
        driver.show(Frame(Layout.from_config(hw), bytearray(b"\xc8\x64\x00" * 4), "x", 0))
        data = b""
        while len(data) < 6 + 12:
            data += os.read(master, 64)
        assert parse_adalight(data) == [[(100, 50, 0)] * 4]
        driver.close()
    finally:
        os.close(master)
        os.close(slave)


class _Unplugged:
    def write(self, data):
        raise serial.SerialException("write failed: [Errno 5] Input/output error")

    def close(self):
        pass


def test_serial_unplugged_and_missing_port_are_driver_errors():
    hw = hw_config(driver="serial", led_count=2)
    layout = Layout.from_config(hw)
    driver = SerialDriver(hw, layout, factory=lambda url, baud: _Unplugged())
    driver.open()
    with pytest.raises(DriverError, match="serial write failed"):
        driver.show(Frame(layout, bytearray(6), "none", 0))
    missing = SerialDriver(hw_config(driver="serial", serial_port="/dev/nonexistent-tty"),
                           layout)
    with pytest.raises(DriverError, match="nonexistent"):
        missing.open()


# -- relays ------------------------------------------------------------------------------

def test_relays_follow_the_lamp_groups():
    factory = MockFactory()
    hw = hw_config(driver="relay", relay_pins={"red1": 5, "red2": 6, "orange": 13})
    driver = RelayDriver(hw, pin_factory=factory)
    driver.open()
    layout = Layout("strip", 5, 1)
    driver.show(Frame(layout, bytearray(15), "start_1", 0, {"red1": True, "red2": False}))
    assert (factory.pin(5).state, factory.pin(6).state, factory.pin(13).state) == (1, 0, 0)
    driver.show(Frame(layout, bytearray(15), "aborted", 0, {"orange": True}))
    assert (factory.pin(5).state, factory.pin(13).state) == (0, 1)
    driver.close()
    driver.close()  # idempotent


def test_relay_without_pins_fails_to_open():
    with pytest.raises(DriverError, match="relay_pins"):
        RelayDriver(hw_config(driver="relay"), pin_factory=MockFactory()).open()


# -- sim and choice ----------------------------------------------------------------------

def test_sim_keeps_frames_and_previews():
    class Sink(list):
        def write(self, text):
            self.append(text)

        def flush(self):
            pass

    sink = Sink()
    driver = SimDriver(preview=True, stream=sink)
    driver.open()
    frame = Frame(Layout("strip", 2, 1), bytearray(b"\xff\x00\x00\x00\xff\x00"), "red", 0)
    driver.show(frame)
    driver.show(frame)
    assert driver.last is frame and driver.shown == 2
    assert sink == [preview(frame)]  # unchanged frames are not redrawn
    assert "48;2;255;0;0m" in sink[0] and "red" in sink[0]


def test_auto_falls_back_with_a_warning(caplog, monkeypatch):
    monkeypatch.setattr("appliance.hw.drivers.choose._board", lambda: "")
    caplog.set_level(logging.WARNING)
    driver = make_driver(hw_config(driver="auto", serial_port="/dev/nonexistent-tty"))
    assert driver.name == "sim"
    text = caplog.text
    assert "not ws281x: not a Raspberry Pi" in text
    assert "not serial" in text and "falling back to the sim driver" in text


def test_auto_on_a_pi_5_skips_ws281x(caplog, monkeypatch):
    monkeypatch.setattr("appliance.hw.drivers.choose._board",
                        lambda: "Raspberry Pi 5 Model B Rev 1.0")
    caplog.set_level(logging.WARNING)
    driver = make_driver(hw_config(driver="auto", serial_port="loop://"))
    assert driver.name == "serial"
    assert "does not support the Raspberry Pi 5" in caplog.text


def test_auto_prefers_relays_then_an_injected_strip():
    assert make_driver(hw_config(driver="auto", relay_pins={"red": 5})).name == "relay"
    assert make_driver(hw_config(driver="auto"), ws281x_module=MockWs281x()).name == "ws281x"


def test_explicit_driver_is_kept_even_if_it_cannot_work():
    assert make_driver(hw_config(driver="ws281x")).name == "ws281x"
