"""Clock offset to a peer, NTP-style, from the four timestamps of a digest exchange.

t1: we send a digest; t2: the peer receives it; t3: the peer sends its reply; t4: we
receive the reply (t1, t4 on our clock, t2, t3 on the peer's). Then
offset = ((t2 - t1) + (t3 - t4)) / 2 and round trip = (t4 - t1) - (t3 - t2). The sample
with the smallest round trip among the last few is the least disturbed by queueing, so
that is the estimate (as NTP's clock filter does).
"""

from __future__ import annotations

from collections import deque


class OffsetEstimator:
    def __init__(self, window: int = 8):
        self._samples: deque[tuple[int, int]] = deque(maxlen=window)  # (rtt_us, offset_us)

    def add(self, t1: int, t2: int, t3: int, t4: int) -> None:
        rtt = (t4 - t1) - (t3 - t2)
        if rtt < 0 or t4 < t1:  # not a sane exchange (e.g. our clock was stepped meanwhile)
            return
        self._samples.append((rtt, ((t2 - t1) + (t3 - t4)) // 2))

    @property
    def known(self) -> bool:
        return bool(self._samples)

    @property
    def offset_us(self) -> int:
        """The peer's clock minus ours, in microseconds (0 while unknown)."""
        return min(self._samples)[1] if self._samples else 0

    @property
    def rtt_us(self) -> int | None:
        return min(self._samples)[0] if self._samples else None
