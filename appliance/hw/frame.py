"""Frames (what a panel shows at one instant) and the layout that maps them to LEDs.

A frame is logical: row-major pixels, (0, 0) top left, a strip being one row. Drivers map
it to the physical wiring order with `Layout.physical_order` (a matrix wired in rows or
columns, serpentine or not), so patterns never care how the LEDs are chained.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Layout:
    """The panel geometry from config: a strip of `width` LEDs, or a width x height matrix."""

    kind: str  # strip | matrix
    width: int
    height: int
    serpentine: bool = True
    order: str = "rows"  # matrix wiring: rows | columns

    @classmethod
    def from_config(cls, hw: dict) -> "Layout":
        if hw["layout"] == "matrix":
            return cls("matrix", hw["width"], hw["height"], hw["serpentine"], hw["matrix_order"])
        return cls("strip", hw["led_count"], 1)

    @property
    def count(self) -> int:
        return self.width * self.height

    def physical_order(self) -> list[int]:
        """For each LED in wiring order, the index of its logical pixel."""
        if self.kind == "strip":
            return list(range(self.width))
        order = []
        outer, inner = ((self.height, self.width) if self.order == "rows"
                        else (self.width, self.height))
        for a in range(outer):
            run = range(inner)
            if self.serpentine and a % 2:
                run = reversed(run)
            for b in run:
                x, y = (b, a) if self.order == "rows" else (a, b)
                order.append(y * self.width + x)
        return order


@dataclass
class Frame:
    """Pixels (flat RGB bytes, logical order) plus what they mean.

    `signal` is the logical signal shown (a flag id, or a semaphore state such as
    "start_3", "lights_out", "aborted", "not_live", or a start-line car flag such as
    "car_black:44"); `since_ms` when it began; `lamps` the
    on/off state of named lamp groups for relay gantries; `next_change_ms` the mesh time of
    the next change the renderer already knows of (a flash edge, a start light), so the
    frame loop can hit it exactly.
    """

    layout: Layout
    pixels: bytearray
    signal: str
    since_ms: int
    lamps: dict[str, bool] = field(default_factory=dict)
    next_change_ms: int | None = None

    def rgb(self, index: int) -> RGB:
        i = index * 3
        return self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]


class Canvas:
    """A mutable pixel buffer that patterns draw into."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.w, self.h = layout.width, layout.height
        self.pixels = bytearray(layout.count * 3)

    def colors(self) -> set[RGB]:
        """The distinct colours drawn."""
        p = self.pixels
        return set(zip(p[0::3], p[1::3], p[2::3]))

    def fill(self, color: RGB) -> None:
        self.pixels[:] = bytes(color) * (self.w * self.h)

    def set(self, x: int, y: int, color: RGB) -> None:
        if 0 <= x < self.w and 0 <= y < self.h:
            i = (y * self.w + x) * 3
            self.pixels[i:i + 3] = bytes(color)

    def span(self, x0: int, x1: int, color: RGB) -> None:
        """Fill columns x0..x1-1 over the full height."""
        x0, x1 = max(0, x0), min(self.w, x1)
        if x1 <= x0:
            return
        run = bytes(color) * (x1 - x0)
        for y in range(self.h):
            i = (y * self.w + x0) * 3
            self.pixels[i:i + len(run)] = run
