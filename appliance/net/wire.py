"""The packet codec: one JSON object per datagram, signed, counted, split when too large.

A packet is compact JSON with sorted keys. Every packet carries `type`, `from` (the
sender's node id) and `c` (the sender's packet counter). With a mesh key, the sender
appends one last field, `"mac"`: HMAC-SHA256 over the exact bytes of the packet without
that field (`{...}` as it was before `,"mac":"..."` was spliced in before the closing
brace), in hex. The receiver checks the MAC on the bytes it got, so no re-serialisation
is involved, and the whole datagram is still plain JSON for the original clients that
only read `backend_announce`'s `host` and `port`.

Replay: `c` is `boot << 32 | n`, where `boot` grows at every start of the sender (see
`boot_number`) and `n` counts its packets; a receiver accepts each (sender, c) once, and
nothing older than a window below the largest it has seen.

A message whose packet would exceed `MAX_DATAGRAM` is sent as `frag` packets, each
carrying a base64 slice of the inner packet; the receiver reassembles and decodes it.

`Codec.decode` is total: it returns (message, None) or (None, reason) and never raises.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time

MAX_DATAGRAM = 1200
# Bytes a message may use for its own fields: what type/from/c/mac leave of a datagram.
PAYLOAD_BUDGET = 960
FRAG_BYTES = 700  # 700 bytes -> 936 base64 characters, well under the budget
MAX_FRAGS = 64
REPLAY_WINDOW = 4096
_MAC_HEAD = b',"mac":"'
_MAC_LEN = len(_MAC_HEAD) + 64 + 2  # head, 64 hex digits, '"}'

DROP_REASONS = ("bad_mac", "malformed", "oversized", "replay")


def boot_number(data_dir: str) -> int:
    """A number larger than at any earlier start of this node: one small file write per
    start. Also at least the wall clock in seconds, so a node whose data dir was wiped
    still counts above what its peers remember (when its clock is roughly right)."""
    path = os.path.join(data_dir, "mesh_boot")
    try:
        with open(path) as fh:
            last = int(fh.read().strip() or 0)
    except (OSError, ValueError):
        last = 0
    boot = max(last + 1, int(time.time()))
    os.makedirs(data_dir, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(str(boot))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return boot


def dumps(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True,
                      ensure_ascii=False).encode()


# -- shapes --------------------------------------------------------------------------------

def _str(v, max_len: int = 64) -> bool:
    return isinstance(v, str) and len(v) <= max_len


def _int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _epoch(v) -> bool:
    return isinstance(v, list) and len(v) == 2 and _int(v[0]) and _str(v[1], 32)


def _pairs(v, max_len: int) -> bool:
    return (isinstance(v, list) and len(v) <= max_len
            and all(isinstance(p, list) and len(p) == 2 and _int(p[0]) and _int(p[1])
                    for p in v))


def _announce(m) -> bool:
    return (_str(m.get("host")) and _int(m.get("port")) and _str(m.get("id"), 32)
            and _str(m.get("role"), 16) and _int(m.get("sector")) and _str(m.get("version"), 32)
            and _int(m.get("sync_port")) and 0 < m["sync_port"] < 65536
            and _int(m.get("uptime_s", 0))
            and isinstance(m.get("panel"), (dict, type(None))))


def _ops(m) -> bool:
    return isinstance(m.get("ops"), list) and all(isinstance(o, dict) for o in m["ops"])


def _digest(m) -> bool:
    v = m.get("v")
    return (_epoch(m.get("e")) and _str(m.get("lo"), 32)
            and (m.get("hi") is None or _str(m.get("hi"), 32))
            and isinstance(v, dict) and all(_str(k, 32) and _pairs([p], 1) for k, p in v.items())
            and _int(m.get("ts")) and m.get("r") in (0, 1)
            and (m.get("echo") is None or _pairs([m["echo"]], 1)))


def _probe(m) -> bool:
    return _epoch(m.get("e")) and _str(m.get("o"), 32) and _pairs(m.get("b"), 64)


def _frag(m) -> bool:
    return (_str(m.get("id"), 16) and _int(m.get("n")) and 2 <= m["n"] <= MAX_FRAGS
            and _int(m.get("i")) and 0 <= m["i"] < m["n"] and _str(m.get("d"), 1000))


SHAPES = {"backend_announce": _announce, "ops": _ops, "digest": _digest, "probe": _probe,
          "frag": _frag}


# -- the codec -----------------------------------------------------------------------------

class Codec:
    def __init__(self, node_id: str, key: str = "", boot: int = 0):
        self.node_id = node_id
        self.key = key.encode() if key else b""
        self.counter = boot << 32
        self._seen: dict[str, tuple[int, set[int]]] = {}  # sender -> (highest c, recent c)
        self._frags: dict[tuple[str, str], tuple[float, dict[int, bytes]]] = {}

    def encode(self, msg: dict) -> list[bytes]:
        """The datagrams that carry `msg` (one, or its fragments)."""
        packet = self._seal(msg)
        if len(packet) <= MAX_DATAGRAM:
            return [packet]
        inner = dumps(self._stamp(msg))
        frag_id = os.urandom(6).hex()
        pieces = [inner[i:i + FRAG_BYTES] for i in range(0, len(inner), FRAG_BYTES)]
        if len(pieces) > MAX_FRAGS:
            raise ValueError(f"message of {len(inner)} bytes is too large to send")
        return [self._seal({"type": "frag", "id": frag_id, "i": i, "n": len(pieces),
                            "d": base64.b64encode(p).decode()})
                for i, p in enumerate(pieces)]

    def _stamp(self, msg: dict) -> dict:
        self.counter += 1
        return {**msg, "from": self.node_id, "c": self.counter}

    def _seal(self, msg: dict) -> bytes:
        body = dumps(self._stamp(msg))
        if not self.key:
            return body
        mac = hmac.new(self.key, body, hashlib.sha256).hexdigest().encode()
        return body[:-1] + _MAC_HEAD + mac + b'"}'

    def decode(self, data: bytes, now: float | None = None) -> tuple[dict | None, str | None]:
        """(message, None) for a good packet, (None, reason) for a dropped one, and
        (None, None) for a fragment that does not complete a message yet."""
        try:
            return self._decode(data, time.monotonic() if now is None else now)
        except Exception:  # a decoder bug must not take the node down: count it
            return None, "malformed"

    def _decode(self, data: bytes, now: float) -> tuple[dict | None, str | None]:
        if len(data) > MAX_DATAGRAM:
            return None, "oversized"
        body = data
        if self.key:
            if len(data) < _MAC_LEN + 2 or data[-_MAC_LEN:-66] != _MAC_HEAD \
                    or not data.endswith(b'"}'):
                return None, "bad_mac"
            body = data[:-_MAC_LEN] + b"}"
            mac = data[-66:-2]
            if not hmac.compare_digest(hmac.new(self.key, body, hashlib.sha256)
                                       .hexdigest().encode(), mac):
                return None, "bad_mac"
        msg, reason = _parse(body)
        if msg is None:
            return None, reason
        if self.key and not self._fresh(msg["from"], msg["c"]):
            return None, "replay"
        if msg["type"] == "frag":
            return self._reassemble(msg, now)
        return msg, None

    def _fresh(self, sender: str, c: int) -> bool:
        highest, recent = self._seen.get(sender, (0, set()))
        if c <= highest - REPLAY_WINDOW or c in recent:
            return False
        recent.add(c)
        if c > highest:
            highest = c
            if len(recent) > 2 * REPLAY_WINDOW:
                recent = {x for x in recent if x > highest - REPLAY_WINDOW}
        self._seen[sender] = (highest, recent)
        return True

    def _reassemble(self, msg: dict, now: float) -> tuple[dict | None, str | None]:
        for key in [k for k, (t, _) in self._frags.items() if now - t > 5.0]:
            del self._frags[key]
        key = (msg["from"], msg["id"])
        if key not in self._frags and len(self._frags) >= 32:
            return None, "malformed"
        started, parts = self._frags.setdefault(key, (now, {}))
        parts[msg["i"]] = base64.b64decode(msg["d"], validate=True)
        if len(parts) < msg["n"]:
            return None, None
        del self._frags[key]
        if set(parts) != set(range(msg["n"])):
            return None, "malformed"
        inner, reason = _parse(b"".join(parts[i] for i in range(msg["n"])))
        if inner is None or inner["type"] == "frag" or inner["from"] != msg["from"]:
            return None, reason or "malformed"
        return inner, None


def _parse(body: bytes) -> tuple[dict | None, str | None]:
    try:
        msg = json.loads(body)
    except (ValueError, RecursionError):
        return None, "malformed"
    if not (isinstance(msg, dict) and msg.get("type") in SHAPES
            and _str(msg.get("from"), 32) and msg["from"] and _int(msg.get("c"))):
        return None, "malformed"
    if not SHAPES[msg["type"]](msg):
        return None, "malformed"
    return msg, None
