"""A replica: the race state, its durable log, and the one path every change takes.

    local command ─┐                                   ┌─> state listeners (panels)
                   ├─> operations ─> commit (SQLite) ─> apply ─┼─> message listeners (/ws)
    peer's ops ────┘                                   └─> op listeners (mesh: send on)

Nothing is applied or announced before it is committed, so what a client or a peer was
told survives kill -9. Commits run on one dedicated thread, so a slow SD card never stalls
the event loop; the write lock keeps validation and write atomic.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from . import commands, view
from .commands import Context, Decision, Intent
from .hlc import HybridClock, from_wall_ms
from .ops import Op, new_op_id
from .params import Params
from .passwords import Passwords
from .race import RaceState
from .store import Store

log = logging.getLogger(__name__)

#: How far ahead of the track's time a peer's timestamp may move this node's clock.
MAX_AHEAD_MS = 60_000

StateListener = Callable[[dict], None]
MessageListener = Callable[[list[tuple[str, dict]]], None]
OpListener = Callable[[list[Op], bool], None]


class Replica:
    def __init__(self, config, *, now_ms: Callable[[], int] | None = None):
        """`now_ms` is the mesh's agreed time; operation timestamps follow it, so a post
        whose own clock is hours off still stamps its changes on the track's time."""
        self.config = config
        self.sectors = config["race"]["sectors"]
        self.snapshot_every = config["race"]["snapshot_every"]
        self.now_ms = now_ms or (lambda: int(time.time() * 1000))
        self.store: Store | None = None
        self.state = RaceState(sectors=self.sectors)
        self.node_id = ""
        self.hlc = HybridClock(lambda: self.now_ms() / 1000)
        self.passwords = Passwords(lambda box: self.state.pitbox_hash(box))
        self.ctx = Context(config, self.passwords, lambda: self.now_ms())
        self.node_info: dict = {}
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._lock = asyncio.Lock()
        self._since_snapshot = 0
        self._cached: dict | None = None
        self.state_listeners: list[StateListener] = []
        self.message_listeners: list[MessageListener] = []
        self.op_listeners: list[OpListener] = []
        #: Peers' operations held already or from before the epoch (shown in mesh_stats).
        self.stats = {"ops_duplicate": 0, "ops_obsolete": 0}

    async def _db(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._db_thread, fn, *args)

    # -- start-up and shutdown ------------------------------------------------------------

    async def open(self) -> None:
        self.store = await self._db(Store, self.config["node"]["data_dir"])
        self.node_id = await self._db(self._node_id)
        seq, snap = await self._db(self.store.load_snapshot)
        if snap is not None:
            self.state = RaceState.from_json(snap, self.sectors)
        tail = await self._db(self.store.ops_after_seq, seq)
        for op in tail:
            self._fold(op)
        self._since_snapshot = len(tail)
        # Never issue a timestamp below one already in the log, whatever the wall clock says.
        self.hlc.last = max([await self._db(self.store.max_hlc, self.node_id)]
                            + [op.hlc for op in tail])
        log.info("replica %s open: snapshot at seq %d, %d ops replayed", self.node_id, seq,
                 len(tail))

    def _node_id(self) -> str:
        configured = self.config["node"]["id"]
        if configured:
            self.store.set_meta("node_id", configured)
            return configured
        node_id = self.store.meta("node_id")
        if node_id is None:
            node_id = os.urandom(4).hex()
            self.store.set_meta("node_id", node_id)
        return node_id

    async def close(self) -> None:
        if self.store is not None:
            async with self._lock:
                if self._since_snapshot:
                    await self._snapshot()
                await self._db(self.store.close)
            self.store = None
        self.passwords.close()
        self._db_thread.shutdown(wait=True)

    # -- the write path ------------------------------------------------------------------

    async def execute(self, name: str, data: dict) -> dict:
        """Run a command by its API name; raise ValidationError (nothing changed) or
        return the response once its operations are committed and applied."""
        handler = commands.COMMANDS.get(name)
        if handler is None:
            raise KeyError(name)
        decide = await handler(self.ctx, Params(data))
        async with self._lock:
            decision: Decision = decide(self.state)
            ops = [self._materialize(i) for i in decision.intents]
            if ops:
                await self._db(self.store.append, ops)
                await self._apply_committed(ops, local=True)
        messages = [(i.announce, self._record_of(op)) for i, op in zip(decision.intents, ops)
                    if i.announce]
        if messages:
            for listener in self.message_listeners:
                listener(messages)
        response = {"ok": True, **decision.response}
        if len(ops) == 1:
            response["id"] = ops[0].id
        return response

    def _record_of(self, op: Op) -> dict:
        """What a /ws message about `op` carries: the record it made, else its args."""
        if op.kind == "device":
            return dict(op.args["record"], key=op.args["key"])
        collection = {"penalty": self.state.penalties, "event": self.state.events,
                      "pit_msg": self.state.pit_messages}.get(op.kind, {})
        return collection.get(op.id) or dict(op.args, id=op.id)

    def _materialize(self, intent: Intent) -> Op:
        ctx = {}
        if intent.kind == "signal":
            ctx = self.state.register(intent.args["r"]).context()
        return Op(new_op_id(), self.node_id, self.hlc.now(), intent.kind, intent.args, ctx)

    async def ingest(self, ops: list[Op]) -> list[Op]:
        """Take operations from a peer: commit the new ones, apply, return them."""
        fresh = []
        horizon = from_wall_ms(self.now_ms() + MAX_AHEAD_MS)
        for op in ops:
            # A peer stamping hours ahead (a Pi that booted with a wrong clock) must not
            # pull this node's clock, and with it the whole track's, along with it.
            self.hlc.observe(min(op.hlc, horizon))
            if self._is_obsolete(op):
                self.stats["ops_obsolete"] += 1
            else:
                fresh.append(op)
        if not fresh:
            return []
        async with self._lock:
            new = await self._db(self.store.append, fresh)
            self.stats["ops_duplicate"] += len(fresh) - len(new)
            if new:
                await self._apply_committed(new, local=False)
        return new

    def _is_obsolete(self, op: Op) -> bool:
        if op.kind == "reset":
            return op.key <= self.state.reset_key
        return self.state.is_obsolete(op)

    async def _apply_committed(self, ops: list[Op], local: bool) -> None:
        changed = False
        for op in ops:
            if op.kind == "reset":
                if await self._begin_epoch(op):
                    changed = True
            else:
                changed |= self.state.apply(op)
        self._since_snapshot += len(ops)
        if self._since_snapshot >= self.snapshot_every:
            await self._snapshot()
        for listener in self.op_listeners:
            listener(ops, local)
        if changed:
            self.state_changed()

    async def _begin_epoch(self, op: Op) -> bool:
        if not self.state.begin_epoch(op):
            return False
        await self._db(self.store.compact, op.key)
        for kept in await self._db(self.store.session_ops):
            self.state.apply(kept)
        await self._snapshot()
        return True

    def _fold(self, op: Op) -> None:
        """Apply at start-up (no listeners, no I/O); a reset needs the log re-read."""
        if op.kind == "reset":
            if self.state.begin_epoch(op):
                for kept in self.store.session_ops():
                    self.state.apply(kept)
        else:
            self.state.apply(op)

    async def _snapshot(self) -> None:
        seq = await self._db(self.store.last_seq)
        await self._db(self.store.save_snapshot, seq, self.state.to_json())
        self._since_snapshot = 0

    # -- reading -------------------------------------------------------------------------

    async def digest(self) -> dict[str, tuple[int, int]]:
        """Per origin node: (operations held, largest timestamp) — for anti-entropy."""
        return await self._db(self.store.digest)

    async def ops_from(self, origin: str, after_hlc: int = 0, limit: int = 500) -> list[Op]:
        return await self._db(self.store.ops_from, origin, after_hlc, limit)

    async def session_ops(self) -> list[Op]:
        """The operations of the current session, oldest first (for the session log)."""
        ops = await self._db(self.store.session_ops)
        return sorted((op for op in ops if not self.state.is_obsolete(op)), key=lambda o: o.key)

    def state_changed(self) -> None:
        """Drop the cached view and tell the state listeners (also for time-driven edges,
        such as a start sequence's lights out)."""
        self._cached = None
        state = self.public_state()
        for listener in self.state_listeners:
            try:
                listener(state)
            except Exception:
                log.exception("state listener failed")

    def public_state(self) -> dict:
        if self._cached is None:
            self._cached = view.public_state(self.state, self.node_info, self.now_ms())
        return self._cached
