"""Operations: the only way state changes, locally or from a peer.

An operation has a unique id, its origin node, a hybrid logical clock timestamp, a kind,
its arguments, and for signal writes the causal context: for each node, the largest
timestamp of that node's writes to the same signal that the writer had seen.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

# Kinds whose records outlive a race reset.
PERSISTENT_KINDS = frozenset({"pilot", "pitbox", "device"})
KINDS = frozenset({"signal", "lww", "reset", "penalty", "penalty_revoke", "event",
                   "pit_msg"}) | PERSISTENT_KINDS


def new_op_id() -> str:
    return os.urandom(8).hex()


@dataclass(frozen=True)
class Op:
    id: str
    node: str
    hlc: int
    kind: str
    args: dict
    ctx: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, str]:
        """Total order for last-writer-wins: timestamp, then node id."""
        return (self.hlc, self.node)

    def to_dict(self) -> dict:
        d = {"i": self.id, "n": self.node, "h": self.hlc, "k": self.kind, "a": self.args}
        if self.ctx:
            d["c"] = self.ctx
        return d

    def encode(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "Op":
        """Rebuild an operation, checking its shape (peers' bytes are untrusted)."""
        try:
            op = cls(id=d["i"], node=d["n"], hlc=d["h"], kind=d["k"], args=d["a"],
                     ctx=d.get("c") or {})
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed operation: {exc}") from None
        if not (isinstance(op.id, str) and 0 < len(op.id) <= 32
                and isinstance(op.node, str) and 0 < len(op.node) <= 32
                and isinstance(op.hlc, int) and not isinstance(op.hlc, bool) and op.hlc > 0
                and op.kind in KINDS and isinstance(op.args, dict)
                and isinstance(op.ctx, dict)
                and all(isinstance(k, str) and isinstance(v, int) for k, v in op.ctx.items())):
            raise ValueError("malformed operation")
        return op

    @classmethod
    def decode(cls, text: str) -> "Op":
        return cls.from_dict(json.loads(text))
