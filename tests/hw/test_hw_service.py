"""The hardware service on a fake node: frames reach the driver and the report, a failing
driver is retried while the node keeps going, and the marshal's buttons, buzzer and
status LED work on gpiozero MockFactory pins. Waits poll with timeouts, never fixed sleeps."""

import asyncio
import time

import pytest
from gpiozero.pins.mock import MockFactory

from appliance import config as config_mod
from appliance.hw import HardwareService
from appliance.hw.fakes import FakeNode, MockWs281x

PINS = {"intervene_pin": 17, "ack_pin": 27, "buzzer_pin": 22, "status_led_pin": 23,
        "long_press_s": 0.15, "bounce_s": 0.01}


def make_node(role="sector", sector=2, buttons=None, **hw):
    hw.setdefault("led_count", 30)
    config = config_mod.load(overrides={"node": {"role": role, "sector": sector}, "hw": hw,
                                        "buttons": buttons or {}})
    return FakeNode(config)


async def until(predicate, timeout=3.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


def run(coro):
    asyncio.run(asyncio.wait_for(coro, 20))


def test_state_change_reaches_driver_report_and_snapshot():
    async def main():
        node = make_node()
        service = HardwareService(node)
        shown = []
        service.on_shown = shown.append
        await service.start()
        await until(lambda: node.reports)
        assert node.reports[-1] == {"signal": "none", "since_ms": 0, "driver": "sim",
                                    "driver_ok": True, "error": None, "live": True}
        node.set_sector_flag(2, "yellow")
        await until(lambda: node.reports[-1]["signal"] == "yellow")
        assert node.reports[-1]["since_ms"] == node.state["sectors"][1]["signal_since_ms"]
        await until(lambda: shown[-1].signal == "yellow")
        snap = service.panel_snapshot()
        assert (snap["layout"], snap["width"], snap["height"]) == ("strip", 30, 1)
        assert len(snap["pixels"]) == 30 and snap["signal"] == "yellow"
        assert {tuple(p) for p in snap["pixels"]} <= {(0, 0, 0), (255, 170, 0)}
        node.live = False
        node.set_sector_flag(2, "green")
        await until(lambda: node.reports[-1]["signal"] == "not_live")
        assert node.reports[-1]["live"] is False
        await service.stop()
        await service.stop()  # idempotent
    run(main())


def test_snapshot_before_start_and_frame_cadence():
    async def main():
        node = make_node(fps=40)
        service = HardwareService(node)
        assert service.panel_snapshot()["signal"] == "none"
        times = []
        service.on_shown = lambda frame: times.append(time.monotonic())
        await service.start()
        await until(lambda: len(times) >= 12)
        await service.stop()
        gaps = [b - a for a, b in zip(times[1:], times[2:])]
        assert 0.015 < sum(gaps) / len(gaps) < 0.1  # ~25 ms frames (loose: shared CI)
    run(main())


def test_driver_failure_is_reported_retried_and_recovers():
    async def main():
        mock = MockWs281x(fail_init=True)
        node = make_node(driver="ws281x", retry_s=0.05)
        service = HardwareService(node, ws281x_module=mock)
        await service.start()
        await until(lambda: node.reports and node.reports[-1]["driver_ok"] is False)
        assert "ws281x init failed" in node.reports[-1]["error"]
        assert node.reports[-1]["driver"] == "ws281x"
        node.set_sector_flag(2, "double_yellow")  # the node keeps going meanwhile
        await until(lambda: node.reports[-1]["signal"] == "double_yellow")
        mock.fail_init = False
        await until(lambda: node.reports[-1]["driver_ok"] is True)
        assert node.reports[-1]["error"] is None
        await until(lambda: mock.shows)
        mock.fail_show = True  # e.g. a DMA error mid-race
        await until(lambda: node.reports[-1]["driver_ok"] is False)
        assert "render failed" in node.reports[-1]["error"]
        mock.fail_show = False
        await until(lambda: node.reports[-1]["driver_ok"] is True)
        shows = len(mock.shows)
        await until(lambda: len(mock.shows) > shows)
        await service.stop()
    run(main())


@pytest.fixture
def factory():
    return MockFactory()


def test_intervene_press_raises_and_long_press_clears(factory):
    async def main():
        node = make_node(buttons=PINS)
        service = HardwareService(node, pin_factory=factory)
        await service.start()
        button = factory.pin(17)
        button.drive_low()
        await until(lambda: node.commands)
        button.drive_high()
        assert node.commands[0] == ("sector/set_flag", {"sector_id": 2, "flag": "yellow",
                                                        "marshal_intervene": "1"})
        await until(lambda: node.reports[-1]["signal"] == "yellow")
        await until(lambda: factory.pin(22).state == 1)  # the buzzer tells of the change
        button.drive_low()  # held: clears
        await until(lambda: len(node.commands) >= 3)
        button.drive_high()
        assert node.commands[1:] == [
            ("sector/intervene", {"sector_id": 2, "active": "0"}),
            ("sector/set_flag", {"sector_id": 2, "flag": "green"})]
        await until(lambda: node.reports[-1]["signal"] == "green")
        await service.stop()
    run(main())


def test_intervene_never_lowers_a_stronger_flag(factory):
    async def main():
        node = make_node(buttons=PINS)
        node.set_sector_flag(2, "double_yellow")
        service = HardwareService(node, pin_factory=factory)
        await service.start()
        factory.pin(17).drive_low()
        await until(lambda: node.commands)
        factory.pin(17).drive_high()
        assert node.commands == [("sector/intervene", {"sector_id": 2, "active": "1"})]
        await service.stop()
    run(main())


def test_status_led_and_buzzer_on_loss_of_contact(factory):
    async def main():
        node = make_node(buttons=PINS)
        service = HardwareService(node, pin_factory=factory)
        await service.start()
        led, buzzer = factory.pin(23), factory.pin(22)
        await until(lambda: led.state == 1)
        await until(lambda: buzzer.state == 0)
        led.clear_states()
        node.live = False
        await until(lambda: len(led.states) >= 4)  # blinking
        await until(lambda: buzzer.state == 1)
        factory.pin(27).drive_low()  # ack silences
        await until(lambda: buzzer.state == 0)
        factory.pin(27).drive_high()
        node.live = True
        await until(lambda: led.state == 1 and node.reports[-1]["live"])
        await service.stop()
    run(main())


def test_control_ack_button_acknowledges_interventions(factory):
    async def main():
        node = make_node(role="control", sector=0, buttons=PINS)
        service = HardwareService(node, pin_factory=factory)
        await service.start()
        await node.command("sector/intervene", {"sector_id": 3, "active": "1"})
        await until(lambda: factory.pin(22).state == 1)  # race control hears it
        factory.pin(27).drive_low()
        await until(lambda: node.state["sectors"][2]["intervene_acked"])
        factory.pin(27).drive_high()
        assert node.commands[-1] == ("sector/intervene_ack", {"sector_id": 3})
        await service.stop()
    run(main())


def test_semaphore_on_relays_runs_the_start(factory):
    async def main():
        pins = {"red1": 5, "red2": 6, "red3": 12, "red4": 13, "red5": 16, "orange": 19}
        node = make_node(role="semaphore", sector=0, driver="relay", relay_pins=pins)
        service = HardwareService(node, pin_factory=factory)
        now = node.now_ms()
        node.state["start_sequence"] = {"id": "s", "begin_ms": now - 2500,
                                        "lights_out_ms": now + 400, "aborted": False,
                                        "aborted_ms": None}
        await service.start()
        await until(lambda: node.reports and node.reports[-1]["signal"] == "start_2")
        assert [factory.pin(p).state for p in (5, 6, 12)] == [1, 1, 0]
        await until(lambda: node.reports[-1]["signal"] == "lights_out")
        assert not any(factory.pin(p).state for p in pins.values())
        await service.stop()
    run(main())
