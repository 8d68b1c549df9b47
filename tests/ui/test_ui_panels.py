"""The Panels view: every node's virtual LED panel drawn from its GET /api/panel, polled
only while the view is visible."""

import pytest

from support import wait_for
from uisupport import free_udp_port, live, mesh_config, shot, wait_js

# Counts of the canvas's lit-red and bright pixels (getImageData), and its signal.
CANVAS = """(sel) => {
  const c = document.querySelector(sel);
  if (!c || c.width < 2) return null;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let red = 0, bright = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] > 200 && d[i + 1] < 60 && d[i + 2] < 60) red++;
    if (d[i] > 100 || d[i + 1] > 100 || d[i + 2] > 100) bright++;
  }
  return {red, bright, total: d.length / 4, signal: c.dataset.signal || ''};
}"""


def _canvas(page, node_id):
    return page.evaluate(CANVAS, f'#panel-cards [data-node="{node_id}"] canvas')


def _meshed(node_factory, tmp_path):
    port = free_udp_port()
    ctl = node_factory("ctl", config=mesh_config(tmp_path / "ctl.toml", port, fast=True))
    post = node_factory("s1", role="sector", sector=1,
                        config=mesh_config(tmp_path / "s1.toml", port, fast=True))
    try:
        wait_for(lambda: any(n.get("http_port") == post.port and n.get("online")
                             for n in ctl.state().get("nodes", [])), timeout=8,
                 what="the sector post in race control's peer table")
    except AssertionError:
        pytest.skip("the nodes do not mesh here (discovery on 127.255.255.255 blocked)")
    return ctl, post


def test_panels_view_draws_every_node(node_factory, tmp_path, pages):
    ctl, post = _meshed(node_factory, tmp_path)
    post_id = post.state()["node"]["id"]
    ctl_id = ctl.state()["node"]["id"]
    page = live(pages.phone(ctl.url + "/#panels"))
    requests = []
    page.on("request", lambda req: requests.append(req.url))

    # This node first, then the peer; both polled and drawn.
    page.wait_for_selector(f'#panel-cards [data-node="{post_id}"]')
    order = page.evaluate("[...document.querySelectorAll('#panel-cards .panel-card')].map(c => c.dataset.node)")
    assert order[:2] == [ctl_id, post_id], order
    wait_js(page, f"document.querySelector('#panel-cards [data-node=\"{post_id}\"] canvas').width > 1",
            what="the sector post's canvas drawn")

    assert ctl.post("/api/sector/set_flag", {"sector_id": 1, "flag": "red"})[0] == 200
    wait_for(lambda: (_canvas(page, post_id) or {}).get("red", 0) > 0, timeout=5,
             what="red pixels on the sector post's canvas")
    got = _canvas(page, post_id)
    assert got["signal"] == "red" and got["red"] >= got["total"] // 3, got
    card = f'#panel-cards [data-node="{post_id}"]'
    wait_js(page, f"document.querySelector('{card}').textContent.toLowerCase().includes('red')",
            what="the card naming the signal")
    assert "Sector 1" in page.text_content(card)
    assert "online" in page.text_content(card)
    # The canvas fits a 375 px phone: a 60-LED strip wraps into rows.
    box = page.evaluate(f"(() => {{ const c = document.querySelector('{card} canvas'); "
                        "return [c.getBoundingClientRect().width, c.height]; })()")
    assert box[0] <= 340 and box[1] > 0, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "view-panels-red")

    assert ctl.post("/api/sector/set_flag", {"sector_id": 1, "flag": "none"})[0] == 200
    wait_for(lambda: (_canvas(page, post_id) or {}).get("bright", 1) == 0, timeout=5,
             what="the sector post's canvas dark again")
    assert _canvas(page, post_id)["signal"] == "none"
    shot(page, "view-panels-dark")

    # Polled at ~4 Hz while visible, not at all once the view is left.
    polled = [u for u in requests if u.endswith("/api/panel")]
    assert any(f":{post.port}/api/panel" in u for u in polled), polled
    page.goto(ctl.url + "/#race")
    page.wait_for_timeout(300)
    before = len([u for u in requests if u.endswith("/api/panel")])
    page.wait_for_timeout(1200)
    after = len([u for u in requests if u.endswith("/api/panel")])
    assert after == before, (before, after)


def test_offline_node_goes_grey_without_error_spam(node_factory, tmp_path, pages):
    ctl, post = _meshed(node_factory, tmp_path)
    post_id = post.state()["node"]["id"]
    page = live(pages.phone(ctl.url + "/#panels"))
    card = f'#panel-cards [data-node="{post_id}"]'
    wait_js(page, f"document.querySelector('{card} canvas') && "
            f"document.querySelector('{card} canvas').width > 1", what="the post drawn")
    requests = []
    page.on("request", lambda req: requests.append(req.url))
    post.kill9()
    page.wait_for_selector(f"{card}.down", timeout=6000)
    page.wait_for_selector(f"{card} .offline", timeout=6000)
    page.wait_for_timeout(1500)
    n = len([u for u in requests if f":{post.port}/api/panel" in u])
    assert n <= 6, n  # backoff, then not polled at all while offline
    assert page.locator(".toast.error").count() == 0
    shot(page, "view-panels-offline")
