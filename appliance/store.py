"""The durable store: an operation log and a state snapshot in one SQLite file.

WAL mode with synchronous=FULL: when `append` returns, the operations survive kill -9 and
power loss. Writes happen only for operations (and a snapshot every few hundred of them),
never for heartbeats, to spare the SD card. All methods are blocking; the replica runs
them on one dedicated thread.
"""

from __future__ import annotations

import json
import os
import sqlite3
from typing import Iterable

from .ops import PERSISTENT_KINDS, Op

SCHEMA = """
CREATE TABLE IF NOT EXISTS ops (
    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    id   TEXT NOT NULL UNIQUE,
    node TEXT NOT NULL,
    hlc  INTEGER NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ops_by_origin ON ops (node, hlc);
CREATE TABLE IF NOT EXISTS snapshot (
    k    INTEGER PRIMARY KEY CHECK (k = 1),
    seq  INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_SESSION_KINDS = tuple(sorted(PERSISTENT_KINDS))


class Store:
    def __init__(self, data_dir: str):
        os.makedirs(data_dir, exist_ok=True)
        self.path = os.path.join(data_dir, "raceflags.sqlite3")
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def append(self, ops: Iterable[Op]) -> list[Op]:
        """Commit the operations not yet held, in one transaction; return those."""
        new = []
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for op in ops:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO ops (id, node, hlc, kind, body) VALUES (?,?,?,?,?)",
                    (op.id, op.node, op.hlc, op.kind, op.encode()))
                if cur.rowcount:
                    new.append(op)
        return new

    def last_seq(self) -> int:
        return self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM ops").fetchone()[0]

    def max_hlc(self, node: str) -> int:
        return self.db.execute("SELECT COALESCE(MAX(hlc), 0) FROM ops WHERE node = ?",
                               (node,)).fetchone()[0]

    def load_snapshot(self) -> tuple[int, dict | None]:
        row = self.db.execute("SELECT seq, body FROM snapshot WHERE k = 1").fetchone()
        return (0, None) if row is None else (row[0], json.loads(row[1]))

    def save_snapshot(self, seq: int, state: dict) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO snapshot (k, seq, body) VALUES (1, ?, ?)",
                            (seq, json.dumps(state, separators=(",", ":"))))

    def ops_after_seq(self, seq: int) -> list[Op]:
        rows = self.db.execute("SELECT body FROM ops WHERE seq > ? ORDER BY seq", (seq,))
        return [Op.decode(r[0]) for r in rows]

    def session_ops(self) -> list[Op]:
        """Every session operation held (the current epoch, once compacted)."""
        rows = self.db.execute(
            f"SELECT body FROM ops WHERE kind NOT IN ({','.join('?' * len(_SESSION_KINDS))}) "
            "AND kind != 'reset'", _SESSION_KINDS)
        return [Op.decode(r[0]) for r in rows]

    def compact(self, reset_key: tuple[int, str]) -> int:
        """Drop what a reset made obsolete: older resets and older session operations."""
        hlc, node = reset_key
        with self.db:
            cur = self.db.execute(
                f"DELETE FROM ops WHERE kind NOT IN ({','.join('?' * len(_SESSION_KINDS))}) "
                "AND (hlc < ? OR (hlc = ? AND node < ?))", (*_SESSION_KINDS, hlc, hlc, node))
        return cur.rowcount

    # -- for the mesh's anti-entropy ---------------------------------------------------

    def digest(self) -> dict[str, tuple[int, int]]:
        """Per origin node: (operations held, largest timestamp)."""
        rows = self.db.execute("SELECT node, COUNT(*), MAX(hlc) FROM ops GROUP BY node")
        return {node: (count, hlc) for node, count, hlc in rows}

    def ops_from(self, node: str, after_hlc: int = 0, limit: int = 500) -> list[Op]:
        rows = self.db.execute(
            "SELECT body FROM ops WHERE node = ? AND hlc > ? ORDER BY hlc LIMIT ?",
            (node, after_hlc, limit))
        return [Op.decode(r[0]) for r in rows]
