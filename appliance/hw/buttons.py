"""The marshal's buttons and signals at the post (gpiozero): intervene, acknowledge, a
buzzer and a status LED. Pins come from [buttons]; 0 means not fitted.

Button callbacks arrive on gpiozero's threads; they only forward to the handlers given,
which the service hops onto the asyncio loop.
"""

from __future__ import annotations


class PostControls:
    def __init__(self, cfg: dict, *, on_intervene, on_clear, on_ack, pin_factory=None):
        from gpiozero import LED, Button, Buzzer

        self._devices: list = []
        self._status: tuple | None = None

        def button(pin):
            device = Button(pin, pull_up=True, bounce_time=cfg["bounce_s"] or None,
                            hold_time=cfg["long_press_s"], pin_factory=pin_factory)
            self._devices.append(device)
            return device

        def output(cls, pin):
            device = cls(pin, pin_factory=pin_factory)
            self._devices.append(device)
            return device

        if cfg["intervene_pin"]:
            intervene = button(cfg["intervene_pin"])
            # A press raises at once; holding on (long_press_s) clears. A long press on a
            # raised intervention therefore only clears it: the raise finds it already set.
            intervene.when_pressed = lambda: on_intervene()
            intervene.when_held = lambda: on_clear()
        if cfg["ack_pin"]:
            button(cfg["ack_pin"]).when_pressed = lambda: on_ack()
        self._buzzer = output(Buzzer, cfg["buzzer_pin"]) if cfg["buzzer_pin"] else None
        self._led = output(LED, cfg["status_led_pin"]) if cfg["status_led_pin"] else None

    def alert(self, beeps: int = 2) -> None:
        """Short beeps: the post's signal changed (or, at control, a marshal intervened)."""
        if self._buzzer is not None:
            self._buzzer.beep(on_time=0.1, off_time=0.1, n=beeps)

    def silence(self) -> None:
        if self._buzzer is not None:
            self._buzzer.off()

    def set_status(self, live: bool, driver_ok: bool) -> None:
        """Steady: all well. Fast blink: not live (use hand flags). Slow blink: panel fault.
        Losing the link also sounds three long beeps."""
        status = (live, driver_ok)
        if status == self._status:
            return
        was_live = self._status is None or self._status[0]
        self._status = status
        if self._buzzer is not None and was_live and not live:
            self._buzzer.beep(on_time=0.5, off_time=0.3, n=3)
        if self._led is None:
            return
        if not live:
            self._led.blink(on_time=0.1, off_time=0.1)
        elif not driver_ok:
            self._led.blink(on_time=0.5, off_time=0.5)
        else:
            self._led.on()

    def close(self) -> None:
        devices, self._devices = self._devices, []
        for device in devices:
            device.close()
