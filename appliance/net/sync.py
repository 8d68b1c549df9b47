"""Anti-entropy: what to send a peer so that both hold the same operations.

A digest is a version vector by origin: for each node whose operations we hold, (count,
largest timestamp), plus our epoch (the winning reset's key). It is split by ranges of
origin ids, so that a chunk also says which origins we do not hold at all.

On a peer's digest, with equal epochs:
- for an origin where we are further (larger max timestamp), send the delta after its max
  (all of it for an origin it lacks; the chunk's range says which it lacks);
- where it holds more operations up to a timestamp we have reached, we have a hole (a lost
  push): send a `probe` with our counts in up to 16 buckets of that origin's timestamps,
  and the peer answers with the operations of the buckets where it holds more.
With different epochs the newer side sends its reset first (a reset compacts the log, so
counts compare only within an epoch); the rest follows at the next round.
"""

from __future__ import annotations

from ..ops import Op
from .wire import PAYLOAD_BUDGET, dumps

DELTA_LIMIT = 256  # operations of one origin per answer; the next round sends more
PROBE_BUCKETS = 16
_ALL = 1 << 30


def ops_messages(ops: list[Op]) -> list[dict]:
    """`ops` messages that each fit a datagram (a single huge op goes alone; the codec
    fragments it)."""
    messages, batch, size = [], [], 16
    for op in ops:
        d = op.to_dict()
        n = len(dumps(d)) + 1
        if batch and size + n > PAYLOAD_BUDGET:
            messages.append({"type": "ops", "ops": batch})
            batch, size = [], 16
        batch.append(d)
        size += n
    if batch:
        messages.append({"type": "ops", "ops": batch})
    return messages


def digest_messages(epoch: tuple[int, str], digest: dict[str, tuple[int, int]]) -> list[dict]:
    """The digest, as chunks covering consecutive ranges [lo, hi] of origin ids."""
    chunks, entries, size, lo = [], {}, 0, ""
    for origin in sorted(digest):
        n = len(dumps({origin: list(digest[origin])}))
        if entries and size + n > PAYLOAD_BUDGET - 200:
            last = max(entries)
            chunks.append({"lo": lo, "hi": last, "v": entries})
            entries, size, lo = {}, 0, last + "\0"
        entries[origin] = list(digest[origin])
        size += n
    chunks.append({"lo": lo, "hi": None, "v": entries})
    return [{"type": "digest", "e": list(epoch), **c} for c in chunks]


class AntiEntropy:
    def __init__(self, replica):
        self.replica = replica

    @property
    def epoch(self) -> tuple[int, str]:
        return tuple(self.replica.state.reset_key)

    async def digests(self) -> list[dict]:
        return digest_messages(self.epoch, await self.replica.digest())

    async def answer_digest(self, msg: dict) -> tuple[list[dict], bool]:
        """The ops and probes that a peer's digest chunk calls for, and whether to send
        it our digest again once it has them: when it also has holes under its max, which
        it finds (and probes) by comparing with our digest."""
        theirs = tuple(msg["e"])
        if theirs != self.epoch:
            return await self._reset_for(theirs), False
        mine = await self.replica.digest()
        lo, hi, v = msg["lo"], msg["hi"], msg["v"]
        out: list[Op] = []
        probes: list[dict] = []
        followup = False
        for origin, (count, top) in mine.items():
            if not (lo <= origin and (hi is None or origin <= hi)):
                continue
            their_count, their_top = v.get(origin, (0, 0))
            if top > their_top:
                delta = await self.replica.ops_from(origin, their_top, DELTA_LIMIT)
                out += delta
                followup |= len(delta) < DELTA_LIMIT and count - len(delta) > their_count
        for origin, (their_count, their_top) in v.items():
            count, top = mine.get(origin, (0, 0))
            if their_count > count and top >= their_top > 0:
                probe = await self._probe(origin, their_count, their_top)
                if probe:
                    probes.append(probe)
        return ops_messages(out) + probes, followup

    async def _reset_for(self, theirs: tuple[int, str]) -> list[dict]:
        hlc, node = self.epoch
        if self.epoch < theirs or not node:
            return []  # they are newer: they send us the reset
        ops = await self.replica.ops_from(node, hlc - 1, 1)
        return ops_messages([op for op in ops if op.kind == "reset" and op.hlc == hlc])

    async def _probe(self, origin: str, their_count: int, their_top: int) -> dict | None:
        held = [op.hlc for op in await self.replica.ops_from(origin, 0, _ALL)
                if op.hlc <= their_top]
        if len(held) >= their_count:
            return None  # we hold as many: the difference is above, and comes as a delta
        size = max(1, -(-len(held) // PROBE_BUCKETS))
        buckets = [[held[min(i + size, len(held)) - 1], len(held[i:i + size])]
                   for i in range(0, len(held), size)]
        if buckets:
            buckets[-1][0] = their_top
        else:
            buckets = [[their_top, 0]]
        return {"type": "probe", "e": list(self.epoch), "o": origin, "b": buckets}

    async def answer_probe(self, msg: dict) -> list[dict]:
        """The operations of the buckets where we hold more than the prober."""
        if tuple(msg["e"]) != self.epoch:
            return []
        ops = await self.replica.ops_from(msg["o"], 0, _ALL)
        out, lo = [], 0
        for hi, count in msg["b"]:
            inside = [op for op in ops if lo < op.hlc <= hi]
            if len(inside) > count:
                out += inside
            lo = hi
        return ops_messages(out)
