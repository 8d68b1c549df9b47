"""Race control after a real partition: concurrent values shown and settled in one tap;
and a post whose panel does not show what it was told is called out."""

from support import wait_for
from uisupport import free_udp_port, live, mesh_config, shot


def test_a_real_partition_shows_concurrent_values_settled_in_one_tap(node_factory, tmp_path,
                                                                     pages):
    port = free_udp_port()
    ctl = node_factory("ctl", node_id="ctl", config=mesh_config(tmp_path / "ctl.toml", port,
                                                                fast=True))
    # The post runs cut off on a discovery port nobody else uses...
    post = node_factory("post", role="sector", sector=2, node_id="post",
                        config=mesh_config(tmp_path / "alone.toml", fast=True))
    assert ctl.post("/api/sector/set_flag", {"sector_id": "2", "flag": "none"})[0] == 200
    assert post.post("/api/sector/set_flag", {"sector_id": "2", "flag": "yellow"})[0] == 200
    # ...and comes back to the mesh.
    post.stop()
    post.config = mesh_config(tmp_path / "post.toml", port, fast=True)
    post.start()
    wait_for(lambda: ctl.state()["sectors"][1]["flag_conflict"], timeout=10,
             what="the concurrent values to meet")
    page = live(pages.phone(ctl.url + "/#race"))
    page.wait_for_selector("li[data-sector='2'] .conflict:has-text('Concurrent values')")
    shot(page, "race-control-conflict")
    assert ctl.state()["sectors"][1]["flag"] == "yellow"  # the cautious value holds
    page.click("li[data-sector='2'] .conflict [data-settle='none']")
    for n in (ctl, post):
        wait_for(lambda n=n: not n.state()["sectors"][1]["flag_conflict"]
                 and n.state()["sectors"][1]["flag"] == "none", timeout=10,
                 what=f"the settled flag on {n.node_id}")


def test_a_panel_that_does_not_show_what_it_was_told_is_called_out(node, pages):
    page = live(pages.phone(node.url + "/#race"))
    page.evaluate("""(() => {
        const s = structuredClone(window.raceflags.state);
        const now = window.raceflags.link.now();
        s.sectors[0] = Object.assign(s.sectors[0], {signal: "yellow", signal_since_ms: now - 9000});
        s.nodes = [{id: "post-1", role: "sector", sector: 1, online: true, last_seen_ms: now,
                    panel: {signal: "none", since_ms: now - 60000, driver: "ws281x",
                            driver_ok: true, live: true}}];
        window.raceflags.link.dispatchEvent(new CustomEvent("state", {detail: s}));
    })()""")
    page.wait_for_selector('[data-node="post-1"] [data-mismatch="yellow"]')
    shot(page, "race-control-mismatch")
