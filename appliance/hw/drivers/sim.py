"""Simulated panel: frames stay in memory (served by the API) and, if asked, a terminal
preview in 24-bit ANSI colour, one line per matrix row, redrawn in place."""

from __future__ import annotations

import sys

from ..frame import Frame


class SimDriver:
    name = "sim"

    def __init__(self, preview: bool = False, stream=None):
        self._preview = preview
        self._stream = stream if stream is not None else sys.stderr
        self._drawn: bytes | None = None
        self.shown = 0
        self.last: Frame | None = None

    def open(self) -> None:
        self._drawn = None

    def show(self, frame: Frame) -> None:
        self.shown += 1
        self.last = frame
        if self._preview and bytes(frame.pixels) != self._drawn:
            self._drawn = bytes(frame.pixels)
            self._stream.write(preview(frame))
            self._stream.flush()

    def close(self) -> None:
        self._drawn = None


def preview(frame: Frame) -> str:
    """ANSI text of a frame: two spaces per pixel on its colour, cursor back up after."""
    w, h = frame.layout.width, frame.layout.height
    lines = []
    for y in range(h):
        cells = []
        for x in range(w):
            r, g, b = frame.rgb(y * w + x)
            cells.append(f"\x1b[48;2;{r};{g};{b}m  " if w <= 80 else f"\x1b[48;2;{r};{g};{b}m ")
        lines.append("".join(cells) + f"\x1b[0m {frame.signal if y == 0 else ''}\x1b[K")
    return "\n".join(lines) + f"\n\x1b[{h}A"
