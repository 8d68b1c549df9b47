"""Anti-entropy decisions between two in-memory logs (no sockets)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from appliance.net.sync import AntiEntropy, digest_messages, ops_messages
from appliance.net.wire import PAYLOAD_BUDGET, dumps
from appliance.ops import Op


class FakeReplica:
    def __init__(self, ops=(), epoch=(0, "")):
        self.ops = {op.id: op for op in ops}
        self.state = SimpleNamespace(reset_key=epoch)

    async def digest(self):
        out = {}
        for op in self.ops.values():
            count, top = out.get(op.node, (0, 0))
            out[op.node] = (count + 1, max(top, op.hlc))
        return out

    async def ops_from(self, origin, after_hlc=0, limit=500):
        mine = sorted((o for o in self.ops.values() if o.node == origin and o.hlc > after_hlc),
                      key=lambda o: o.hlc)
        return mine[:limit]

    def take(self, messages):
        for m in messages:
            if m["type"] == "ops":
                for d in m["ops"]:
                    op = Op.from_dict(d)
                    self.ops[op.id] = op


def op(node, hlc, kind="event"):
    return Op(f"{node}{hlc:08x}", node, hlc, kind, {"details": "x"})


def run(coro):
    return asyncio.run(coro)


async def exchange(a: FakeReplica, b: FakeReplica) -> int:
    """One round both ways (digests, answers, probes); the number of messages sent."""
    sa, sb = AntiEntropy(a), AntiEntropy(b)
    return await one_way(a, b, sa, sb) + await one_way(b, a, sb, sa)


async def one_way(src, dst, s_src, s_dst) -> int:
    """src's digest to dst: dst answers (and sends its digest again if it says so)."""
    sent = 0
    for chunk in await s_src.digests():
        answer, followup = await s_dst.answer_digest(chunk)
        sent += len(answer) + 1
        src.take(answer)
        for probe in (m for m in answer if m["type"] == "probe"):
            repair = await s_src.answer_probe(probe)
            sent += len(repair)
            dst.take(repair)
        if followup:
            sent += await one_way(dst, src, s_dst, s_src)
    return sent


def test_delta_missing_origin_and_holes_repaired_in_one_round():
    full = [op("x", h) for h in range(1, 101)] + [op("y", h) for h in range(1, 6)]
    a = FakeReplica(full)
    b = FakeReplica([o for o in full if o.node == "x" and o.hlc not in (17, 55) and o.hlc < 90])
    run(exchange(a, b))
    assert set(b.ops) == set(a.ops)
    assert run(exchange(a, b)) == 2  # converged: just the digests


def test_hole_repair_sends_a_bucket_not_the_whole_origin():
    full = [op("x", h) for h in range(1, 161)]
    a, b = FakeReplica(full), FakeReplica([o for o in full if o.hlc != 77])
    answer, followup = run(AntiEntropy(b).answer_digest(run(AntiEntropy(a).digests())[0]))
    assert [m["type"] for m in answer] == ["probe"] and not followup
    repair = run(AntiEntropy(a).answer_probe(answer[0]))
    assert 1 <= sum(len(m["ops"]) for m in repair) <= 160 // 16 + 1


def test_newer_epoch_sends_its_reset_first():
    reset = op("r", 50, "reset")
    a = FakeReplica([reset, op("r", 60)], epoch=(50, "r"))
    b = FakeReplica([op("x", 10)])
    answer, _ = run(AntiEntropy(a).answer_digest(run(AntiEntropy(b).digests())[0]))
    assert [d["k"] for m in answer for d in m["ops"]] == ["reset"]
    assert run(AntiEntropy(b).answer_digest(run(AntiEntropy(a).digests())[0])) == ([], False)


def test_messages_fit_a_datagram():
    ops = [op(f"n{i % 40:02d}", i + 1) for i in range(300)]
    assert all(len(dumps(m)) <= PAYLOAD_BUDGET for m in ops_messages(ops))
    digest = {f"node-with-a-long-id-{i:03d}": (i, 1 << 50) for i in range(100)}
    chunks = digest_messages((0, ""), digest)
    assert len(chunks) > 1 and all(len(dumps(c)) <= PAYLOAD_BUDGET for c in chunks)
    assert sum(len(c["v"]) for c in chunks) == 100
    assert chunks[0]["lo"] == "" and chunks[-1]["hi"] is None
