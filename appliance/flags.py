"""The signal vocabulary of ../shared/flags.md: ids, aliases, and their precedence.

Precedence is the one order every part agrees on: the panel shows the highest signal that
applies, and concurrent writes (both sides of a partition) resolve to the highest.
"""

from __future__ import annotations

# Highest first. Track-wide neutralisations share a band in flags.md; inside the band we
# order them by how much they slow the field, so that resolution is total and deterministic.
PRECEDENCE = (
    "red",
    "code60",
    "fcy",
    "vsc",
    "sc",
    "double_yellow",
    "yellow",
    "slippery",
    "white",
    "blue",
    "checkered",
    "green",
    "none",
)
SEVERITY = {flag: len(PRECEDENCE) - i for i, flag in enumerate(PRECEDENCE)}

# Set by race control only and shown on every panel of the track.
TRACK_WIDE = frozenset({"red", "code60", "fcy", "vsc", "sc", "checkered"})

ALIASES = {
    "black-checkered": "checkered",
    "black_checkered": "checkered",
    "chequered": "checkered",
    "checkered_flag": "checkered",
    "double-yellow": "double_yellow",
    "doubleyellow": "double_yellow",
    "code-60": "code60",
    "code_60": "code60",
    "safety_car": "sc",
    "safety-car": "sc",
    "full_course_yellow": "fcy",
    "virtual_safety_car": "vsc",
    "clear": "none",
    "off": "none",
}


# Per-car flags, shown with the car number on a start-line matrix; highest first.
CAR_FLAGS = ("black", "black_orange", "black_white", "none")
CAR_SEVERITY = {flag: len(CAR_FLAGS) - i for i, flag in enumerate(CAR_FLAGS)}
CAR_ALIASES = {"black-orange": "black_orange", "meatball": "black_orange",
               "mechanical": "black_orange", "black-white": "black_white",
               "warning": "black_white", "disqualified": "black", "clear": "none"}


def normalize_car_flag(value: str) -> str | None:
    name = value.strip().lower()
    name = CAR_ALIASES.get(name, name)
    return name if name in CAR_SEVERITY else None


def normalize(value: str) -> str | None:
    """The canonical id for a flag name as any client sends it, or None if unknown."""
    name = value.strip().lower()
    name = ALIASES.get(name, name)
    return name if name in SEVERITY else None


def most_cautious(values) -> str:
    """The highest-precedence flag among values ('none' for no values)."""
    return max(values, key=SEVERITY.__getitem__, default="none")
