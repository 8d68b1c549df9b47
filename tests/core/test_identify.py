"""Each node identifies itself at start, with its panel driver's health, and again only
when that changes; its uptime travels in the announces, not in SQLite."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "net"))

from meshutil import free_udp_port, write_config  # noqa: E402
from support import wait_for  # noqa: E402


def own_device(node) -> dict:
    """The node's own identify record (written just after it starts serving)."""
    return wait_for(lambda: next((d for d in node.state()["devices"]
                                  if d["key"] == node.node_id), None),
                    what=f"{node.node_id}'s identify record")


def test_a_post_identifies_with_its_panel_and_a_restart_writes_nothing(node_factory):
    post = node_factory("s2", role="sector", sector=2, node_id="post-2")
    dev = own_device(post)
    assert (dev["kind"], dev["sector_id"], dev["panel"]) == ("sector", 2, "sim ok")
    post.kill9()
    post.start()
    wait_for(lambda: post.node_id in post.state()["device_seen"], what="the identify after restart")
    assert own_device(post) == dev  # same record: not written again


def test_a_failed_driver_shows_in_the_identify_record(node_factory, tmp_path):
    cfg = tmp_path / "serial.toml"
    cfg.write_text('[hw]\ndriver = "serial"\nserial_port = "/dev/raceflags-unplugged"\n')
    post = node_factory("s1", role="sector", sector=1, node_id="post-1", config=str(cfg))
    wait_for(lambda: own_device(post)["panel"] == "serial FAILED", what="the failed driver")
    assert post.post("/api/sector/set_flag", {"sector_id": "1", "flag": "yellow"})[0] == 200


def test_uptime_travels_in_the_announces(node_factory, tmp_path):
    port = free_udp_port()
    a = node_factory("a", node_id="ctl", config=write_config(str(tmp_path / "a.toml"),
                                                             discovery_port=port))
    node_factory("b", role="sector", sector=1, node_id="s1",
                 config=write_config(str(tmp_path / "b.toml"), discovery_port=port))
    first = wait_for(lambda: next((n for n in a.state()["nodes"] if n["id"] == "s1"), None),
                     what="the sector post in the peer table")
    wait_for(lambda: next(n for n in a.state()["nodes"] if n["id"] == "s1")["uptime_s"]
             > first["uptime_s"], what="uptime to grow")
