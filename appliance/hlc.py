"""Hybrid logical clock: wall time in ms and a counter, packed into one integer.

`hlc >> 16` is the wall time in ms, the low 16 bits a counter. A node's clock never goes
back (it is seeded from the largest timestamp in its log at start-up), and it moves past
every timestamp it receives, so a node's later command always carries a larger timestamp
than anything it had seen, however far off its wall clock runs.
"""

from __future__ import annotations

import time
from typing import Callable

COUNTER_BITS = 16


def wall_ms(hlc: int) -> int:
    return hlc >> COUNTER_BITS


def from_wall_ms(ms: int) -> int:
    return ms << COUNTER_BITS


class HybridClock:
    def __init__(self, wall: Callable[[], float] = time.time, last: int = 0):
        self._wall = wall
        self.last = last

    def now(self) -> int:
        """A fresh timestamp, larger than every one issued or observed before."""
        self.last = max(self.last + 1, from_wall_ms(int(self._wall() * 1000)))
        return self.last

    def observe(self, remote: int) -> None:
        if remote > self.last:
            self.last = remote
