"""How bright a WS2812 frame may be on the supply it has.

A WS2812(B) draws about 20 mA per colour channel at full duty and ~1 mA idle; 60 LEDs at
full white are 3.6 A. The cap scales a frame down so that its estimated draw stays within
`supply_amps` (with headroom for the Pi and wiring losses), instead of browning out the
supply when a whole panel flashes white.
"""

from __future__ import annotations

MA_PER_CHANNEL = 20.0  # at value 255
MA_IDLE_PER_LED = 1.0
HEADROOM = 0.9  # use at most 90 % of the supply rating


def estimate_amps(pixels: bytes | bytearray, brightness: float) -> float:
    """Estimated draw of a frame shown at brightness (0..1)."""
    leds = len(pixels) // 3
    return (leds * MA_IDLE_PER_LED + sum(pixels) / 255 * MA_PER_CHANNEL * brightness) / 1000


def capped_brightness(pixels: bytes | bytearray, brightness: float, supply_amps: float) -> float:
    """brightness, lowered if needed so the frame's estimate fits the supply."""
    budget_ma = supply_amps * HEADROOM * 1000 - len(pixels) // 3 * MA_IDLE_PER_LED
    full_ma = sum(pixels) / 255 * MA_PER_CHANNEL
    if full_ma * brightness <= budget_ma:
        return brightness
    return max(0.0, budget_ma / full_ma)
