"""What a client was told survives kill -9; start-up uses the snapshot."""

import sqlite3

from support import NodeProcess


def replicated(state: dict) -> dict:
    return {k: v for k, v in state.items() if k not in ("now_ms", "nodes", "panel", "live", "mesh_stats",
                                                     "device_seen")}


def test_acknowledged_commands_survive_kill_9(tmp_path):
    node = NodeProcess(str(tmp_path / "n"), node_id="durable").start()
    try:
        node.post("/api/register_pilot", {"firstName": "A", "lastName": "B", "number": "5"})
        for i, flag in enumerate(["yellow", "red", "sc", "double_yellow"] * 5):
            assert node.post("/api/sector/set_flag", {"sector_id": str(i % 3 + 1),
                                                      "flag": flag})[0] == 200
        assert node.post("/api/penalty/add", {"target_number": "5", "penalty_type": "time",
                                              "amount_seconds": "10"})[0] == 200
        assert node.post("/api/set_flag", {"flag": "fcy"})[0] == 200
        told = replicated(node.state())
        node.kill9()
        node.start()
        assert replicated(node.state()) == told
    finally:
        node.stop()


def test_startup_reads_the_snapshot_not_the_whole_log(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[race]\nsnapshot_every = 10\n")
    node = NodeProcess(str(tmp_path / "n"), node_id="snap", config=str(cfg)).start()
    try:
        for i in range(25):
            node.post("/api/set_flag", {"flag": ["yellow", "none"][i % 2]})
        told = replicated(node.state())
        node.kill9()
        db = sqlite3.connect(str(tmp_path / "n" / "raceflags.sqlite3"))
        snap_seq = db.execute("SELECT seq FROM snapshot").fetchone()[0]
        last_seq = db.execute("SELECT MAX(seq) FROM ops").fetchone()[0]
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        db.close()
        assert 0 < last_seq - snap_seq < 10
        node.start()
        assert replicated(node.state()) == told
        assert f"snapshot at seq {snap_seq}, {last_seq - snap_seq} ops replayed" in node.log()
    finally:
        node.stop()


def test_a_reset_compacts_the_log_and_survives_restart(tmp_path):
    node = NodeProcess(str(tmp_path / "n"), node_id="rst").start()
    try:
        node.post("/api/register_pilot", {"firstName": "A", "lastName": "B", "number": "9"})
        for _ in range(5):
            node.post("/api/set_flag", {"flag": "yellow"})
        node.post("/api/reset_race")
        node.post("/api/set_flag", {"flag": "green"})
        db = sqlite3.connect(str(tmp_path / "n" / "raceflags.sqlite3"))
        kinds = sorted(k for (k,) in db.execute("SELECT kind FROM ops"))
        db.close()
        assert kinds == ["device", "pilot", "reset", "signal"]
        told = replicated(node.state())
        node.kill9()
        node.start()
        assert replicated(node.state()) == told and told["flag"] == "green"
    finally:
        node.stop()
