"""A 3x5 pixel font for the few words a matrix panel shows ("SC", "VSC", "60", car numbers)."""

from __future__ import annotations

HEIGHT = 5
WIDTH = 3

# Each glyph: five rows of three columns, '#' lit.
_GLYPHS = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", ".##", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", ".#.", ".#.", ".#."),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    "S": ("###", "#..", "###", "..#", "###"),
    "C": (".##", "#..", "#..", "#..", ".##"),
    "V": ("#.#", "#.#", "#.#", "#.#", ".#."),
    " ": ("...", "...", "...", "...", "..."),
}


def text_width(text: str) -> int:
    """Width in font pixels, one column between glyphs."""
    return len(text) * (WIDTH + 1) - 1 if text else 0


def text_pixels(text: str):
    """Yield (x, y) of every lit font pixel of text, origin top left; unknown chars blank."""
    for i, char in enumerate(text.upper()):
        rows = _GLYPHS.get(char, _GLYPHS[" "])
        for y, row in enumerate(rows):
            for x, cell in enumerate(row):
                if cell == "#":
                    yield i * (WIDTH + 1) + x, y
