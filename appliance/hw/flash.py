"""The one flash table: every blinking pattern's cadence, phase-locked to the mesh clock.

A cadence is a tuple of durations in ms, alternately lit and dark, starting lit at every
multiple of its cycle on the shared clock (`node.now_ms()`). Because each node computes the
phase from the same agreed time, every panel on the track flashes together without talking
to the others. flags.md gives no rates; these are ours and config may override them
(`hw.flash_overrides`).
"""

from __future__ import annotations

FLASH: dict[str, tuple[int, ...]] = {
    "yellow": (500, 500),  # 1 Hz, the two halves alternate
    "double_yellow": (250, 250),  # 2 Hz, whole panel
    "blue": (500, 500),  # 1 Hz
    "sc": (500, 500),  # yellow flashing under the steady white bar
    "vsc": (150, 150, 150, 550),  # double blink: distinct from sc
    "fcy": (500, 500),  # whole panel, in phase everywhere
    "aborted": (500, 500),  # orange, aborted start
    "pit_blue": (250, 250),  # pit exit: cars approaching on track
    "not_live": (200, 1800),  # short dim blink: panel not live
}


def cadence_table(overrides: dict | None = None) -> dict[str, tuple[int, ...]]:
    """FLASH with config overrides applied (already validated by config._check)."""
    table = dict(FLASH)
    for name, steps in (overrides or {}).items():
        table[name] = tuple(int(s) for s in steps)
    return table


def lit(cadence: tuple[int, ...], now_ms: int) -> bool:
    """Whether a cadence is in a lit step at now_ms."""
    t = now_ms % sum(cadence)
    for i, step in enumerate(cadence):
        if t < step:
            return i % 2 == 0
        t -= step
    return False


def next_edge(cadence: tuple[int, ...], now_ms: int) -> int:
    """The first time after now_ms at which lit() changes."""
    cycle = sum(cadence)
    base = now_ms - now_ms % cycle
    t = base
    for step in cadence:
        t += step
        if t > now_ms:
            return t
    return base + cycle
