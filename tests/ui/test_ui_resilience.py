"""Live and resilient: the page moves to another node within 5 s when its node dies; a
command sent while the link is down is retried, or reported as failed, never lost."""

import time


from support import wait_for
from uisupport import free_udp_port, live, mesh_config, shot, wait_js


def _base(page) -> str:
    return page.evaluate("window.raceflags.link.base")


def test_failover_to_a_fallback_node(node_factory, tmp_path, pages):
    """Without a shared mesh, the fallback list (?nodes=, kept in localStorage) is used."""
    a = node_factory("a", config=mesh_config(tmp_path / "a.toml"))
    b = node_factory("b", config=mesh_config(tmp_path / "b.toml"))
    page = live(pages.phone(f"{a.url}/?nodes={b.url}#race"))
    assert _base(page) == a.url
    assert b.url in page.evaluate("JSON.parse(localStorage.getItem('raceflags.nodes'))")

    a.kill9()
    t0 = time.monotonic()
    wait_js(page, f"window.raceflags.link.base === {b.url!r} && "
            "window.raceflags.link.status === 'live'", timeout=5)
    assert time.monotonic() - t0 < 5
    assert "127.0.0.1:%d" % b.port in page.text_content("#conn")
    page.click('#track-flags [data-flag="double_yellow"]')
    wait_for(lambda: b.state()["flag"] == "double_yellow", what="flag on the fallback node")
    shot(page, "failover")


def test_command_while_link_down_is_retried(node_factory, tmp_path, pages):
    cfg = mesh_config(tmp_path / "a.toml")
    a = node_factory("a", config=cfg)
    page = live(pages.phone(a.url + "/#race"))
    a.kill9()
    page.wait_for_selector('#conn[data-status="down"]')
    page.wait_for_selector("#banner:visible")
    page.click('#track-flags [data-flag="fcy"]')
    page.wait_for_selector(".toast.pending")
    shot(page, "link-down-pending")
    again = node_factory("a", port=a.port, config=cfg)  # same port, same data
    wait_for(lambda: again.state()["flag"] == "fcy", timeout=10, what="retried command")
    page.wait_for_selector('#conn[data-status="live"]')
    page.wait_for_selector('#track-current[data-flag="fcy"]')
    page.wait_for_selector(".toast.pending", state="detached")


def test_command_failing_for_good_is_reported(node, pages):
    page = live(pages.phone(node.url + "/#race"))
    page.evaluate("window.raceflags.link.commandDeadlineMs = 1500")
    node.kill9()
    page.wait_for_selector('#conn[data-status="down"]')
    page.click('#track-flags [data-flag="green"]')
    page.wait_for_selector(".toast.error:has-text('FAILED, not sent')", timeout=6000)


def test_failover_through_the_mesh_node_list(node_factory, tmp_path, pages):
    """The page learns the other nodes from state.nodes, and shows the same race there."""
    port = free_udp_port()
    a = node_factory("a", config=mesh_config(tmp_path / "a.toml", port, fast=True))
    b = node_factory("b", config=mesh_config(tmp_path / "b.toml", port, fast=True))
    wait_for(lambda: any(n.get("http_port") == b.port and n.get("online")
                         for n in a.state().get("nodes", [])), timeout=8,
             what="b in a's peer table")
    page = live(pages.phone(a.url + "/#race"))
    wait_js(page, f"window.raceflags.link.candidates.includes({b.url!r})")
    assert a.post("/api/set_flag", {"flag": "code60"})[0] == 200
    wait_for(lambda: b.state()["flag"] == "code60", what="flag replicated to b")
    page.wait_for_selector("#post-list .online >> nth=1")  # this node and its peer
    a.kill9()
    t0 = time.monotonic()
    wait_js(page, f"window.raceflags.link.base === {b.url!r} && "
            "window.raceflags.link.status === 'live'", timeout=5)
    assert time.monotonic() - t0 < 5
    page.wait_for_selector('#track-current[data-flag="code60"]')
    page.wait_for_selector("#post-list .offline", timeout=8000)  # a, seen from b
    shot(page, "failover-mesh")
