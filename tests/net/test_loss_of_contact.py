"""Loss of contact end to end: a post cut off keeps its caution, never shows green, says it
is not live, still takes its marshal's command, and syncs it when the link returns."""

from meshutil import free_udp_port, write_config
from support import wait_for


def panel(node) -> dict:
    return node.state()["panel"] or {}


def test_a_post_cut_off_keeps_its_caution_and_catches_up(node_factory, tmp_path):
    port = free_udp_port()
    ctl = node_factory("ctl", node_id="ctl",
                       config=write_config(str(tmp_path / "ctl.toml"), discovery_port=port))
    post = node_factory("post", role="sector", sector=1, node_id="post",
                        config=write_config(str(tmp_path / "post.toml"), discovery_port=port))
    wait_for(lambda: post.state()["live"] and panel(post).get("live"), what="a live post")
    assert ctl.post("/api/sector/set_flag", {"sector_id": "1", "flag": "yellow"})[0] == 200
    wait_for(lambda: panel(post).get("signal") == "yellow", what="yellow on the post's panel")

    ctl.kill9()  # race control gone: the post hears nobody
    wait_for(lambda: not post.state()["live"], timeout=5, what="the post to notice")
    report = wait_for(lambda: (p := panel(post)) and p["live"] is False and p, timeout=5,
                      what="the panel to say it is not live")
    assert report["signal"] == "yellow"  # the caution is kept

    # A marshal's clear while cut off: applied locally, but the panel never shows green.
    assert post.post("/api/sector/set_flag", {"sector_id": "1", "flag": "green"})[0] == 200
    wait_for(lambda: post.state()["sectors"][0]["flag"] == "green", what="the local write")
    report = wait_for(lambda: (p := panel(post))["signal"] != "yellow" and p, timeout=5,
                      what="the panel to leave yellow")
    assert report["signal"] == "not_live" and report["live"] is False

    ctl.start()  # back: the post's write reaches race control, and the post is live again
    wait_for(lambda: ctl.state()["sectors"][0]["flag"] == "green", timeout=10,
             what="the post's write to reach race control")
    wait_for(lambda: panel(post).get("live") is True, timeout=10, what="the post live again")
