"""Pis have no real-time clock: a post booted an hour off still stamps its changes on the
track's time (race control's), once the mesh has measured its offset. Runs the post under
libfaketime (Debian's faketime)."""

import shutil
import time

import pytest

from meshutil import free_udp_port, write_config
from support import wait_for

pytestmark = pytest.mark.skipif(shutil.which("faketime") is None,
                                reason="needs Debian's faketime (make test installs it as root)")


@pytest.mark.parametrize("skew", ["+1h", "-1h"])
def test_a_post_hours_off_stamps_its_changes_on_the_tracks_time(node_factory, tmp_path, skew):
    port = free_udp_port()
    ctl = node_factory("ctl", node_id="ctl",
                       config=write_config(str(tmp_path / "ctl.toml"), discovery_port=port))
    post = node_factory("post", role="sector", sector=1, node_id="post",
                        config=write_config(str(tmp_path / "post.toml"), discovery_port=port),
                        prefix=["faketime", "-f", skew],
                        env={"FAKETIME_DONT_FAKE_MONOTONIC": "1"})
    offset = wait_for(lambda: next((n["clock_offset_ms"] for n in post.state()["nodes"]
                                    if n["id"] == "ctl" and n["clock_offset_ms"] is not None),
                                   None), what="the post's estimate of race control's clock")
    assert abs(abs(offset) - 3_600_000) < 5_000  # it did measure the hour
    assert post.post("/api/sector/set_flag", {"sector_id": "1", "flag": "yellow"})[0] == 200
    row = wait_for(lambda: next((r for r in ctl.get("/api/log")[1]["log"]
                                 if r["subject"] == "sector_flag:1"), None),
                   what="the post's change at race control")
    assert row["node"] == "post"
    assert abs(row["ts_ms"] - time.time() * 1000) < 5_000  # the track's time, not the post's
