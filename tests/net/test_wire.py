"""The packet codec: signing, replay, fragments, and a decoder that never raises."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from appliance.net import wire

ANNOUNCE = {"type": "backend_announce", "host": "pi-s1", "port": 8000, "id": "s1",
            "role": "sector", "sector": 1, "version": "0.1.0", "sync_port": 9001,
            "panel": None}


def pair(key="k"):
    return wire.Codec("a", key, boot=1), wire.Codec("b", key, boot=1)


def test_signed_round_trip_and_plain_json_for_old_clients():
    a, b = pair()
    (packet,) = a.encode(ANNOUNCE)
    legacy = json.loads(packet)  # the original clients read host and port
    assert (legacy["type"], legacy["host"], legacy["port"]) == ("backend_announce", "pi-s1", 8000)
    assert len(legacy["mac"]) == 64
    msg, reason = b.decode(packet)
    assert reason is None and msg["id"] == "s1" and msg["from"] == "a"


def test_tampered_unsigned_wrong_key_replayed_are_dropped():
    a, b = pair()
    (packet,) = a.encode(ANNOUNCE)
    assert b.decode(packet.replace(b"pi-s1", b"pi-s2")) == (None, "bad_mac")
    assert b.decode(wire.Codec("a", "").encode(ANNOUNCE)[0]) == (None, "bad_mac")
    assert b.decode(wire.Codec("a", "other").encode(ANNOUNCE)[0]) == (None, "bad_mac")
    assert b.decode(packet)[1] is None
    assert b.decode(packet) == (None, "replay")
    assert b.decode(b"x" * 1201) == (None, "oversized")


def test_restart_counts_above_the_old_boot():
    old, b = pair()
    for _ in range(3):
        b.decode(old.encode(ANNOUNCE)[0])
    new = wire.Codec("a", "k", boot=2)
    assert b.decode(new.encode(ANNOUNCE)[0])[1] is None
    assert b.decode(old.encode(ANNOUNCE)[0]) == (None, "replay")  # far below the window


def test_reordering_inside_the_window_is_accepted():
    a, b = pair()
    packets = [a.encode(ANNOUNCE)[0] for _ in range(10)]
    assert all(b.decode(p)[1] is None for p in reversed(packets))


def test_boot_number_grows(tmp_path):
    first = wire.boot_number(str(tmp_path))
    assert wire.boot_number(str(tmp_path)) == first + 1


def test_large_message_is_fragmented_and_reassembled():
    a, b = pair()
    ops = [{"i": f"{n:016x}", "n": "a", "h": n + 1, "k": "event", "a": {"details": "é" * 400}}
           for n in range(3)]
    packets = a.encode({"type": "ops", "ops": ops})
    assert len(packets) > 1 and all(len(p) <= wire.MAX_DATAGRAM for p in packets)
    results = [b.decode(p) for p in reversed(packets)]
    assert results[:-1] == [(None, None)] * (len(packets) - 1)
    msg, reason = results[-1]
    assert reason is None and msg["ops"] == ops


def test_malformed_shapes():
    a, b = pair("")
    for bad in ({"type": "nope"}, {"type": "digest", "e": [1]},
                {"type": "probe", "e": [0, ""], "o": "x", "b": [[1, "2"]]},
                {**ANNOUNCE, "sync_port": 0}):
        assert b.decode(a.encode(bad)[0]) == (None, "malformed"), bad
    assert b.decode(b'{"type":"ops","from":"","c":1,"ops":[]}') == (None, "malformed")
    assert b.decode(b"[" * 599 + b"]" * 599) == (None, "malformed")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=1400))
def test_fuzz_random_bytes_never_raise(data):
    for codec in (wire.Codec("b", "k"), wire.Codec("b", "")):
        msg, reason = codec.decode(data)
        assert msg is None or isinstance(msg, dict)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(wire.SHAPES)), st.dictionaries(
    st.sampled_from(["ops", "e", "lo", "hi", "v", "ts", "r", "echo", "o", "b", "id", "i", "n",
                     "d", "host", "port", "id", "role", "sector", "version", "sync_port",
                     "panel", "from", "c"]), json_values, max_size=10))
def test_fuzz_structured_packets_never_raise(kind, fields):
    """Well-signed packets with random fields: a peer with the key but a bug."""
    a, b = pair()
    try:
        packets = a.encode({**fields, "type": kind})
    except ValueError:
        return
    for p in packets:
        msg, reason = b.decode(p)
        assert msg is None or wire.SHAPES[msg["type"]](msg)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=2000), st.integers(min_value=0, max_value=255))
def test_fuzz_single_byte_flips_fail_the_mac(pos, value):
    a, b = pair()
    (packet,) = a.encode(ANNOUNCE)
    pos %= len(packet)
    if packet[pos] == value:
        return
    flipped = packet[:pos] + bytes([value]) + packet[pos + 1:]
    assert b.decode(flipped) == (None, "bad_mac")
