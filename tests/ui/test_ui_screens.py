"""Every view at phone size with a race in progress (screenshots kept as artifacts), and
what the UI loads: every request goes to the appliance, nothing to the internet, and the
page weight stays small. RACEFLAGS_UPDATE_DOCS=1 refreshes docs/race-control.png."""

import json
import os
from urllib.parse import urlparse

from uisupport import ARTIFACTS, docs_copy, live, shot

VIEWS = ("race", "pilots", "pit", "marshal", "penalties", "events", "log", "panels")
BUDGET_BYTES = 100_000  # everything a first visit loads, uncompressed


def _race_in_progress(node):
    for n, first, last in (("7", "Ann", "Lee"), ("12", "Mia", "Rossi"), ("46", "Vale", "Moto")):
        node.post("/api/register_pilot", {"firstName": first, "lastName": last, "number": n})
    node.post("/api/start_race")
    node.post("/api/sector/set_flag", {"sector_id": 1, "flag": "yellow"})
    node.post("/api/sector/intervene", {"sector_id": 2, "active": 1})
    node.post("/api/pilot/assign_blue", {"number": "12", "assign": 1})
    node.post("/api/pilot/car_flag", {"number": "46", "flag": "black_orange"})
    node.post("/api/penalty/add", {"target_number": "46", "penalty_type": "time",
                                   "amount_seconds": 5, "reason": "track limits"})
    node.post("/api/event", {"event_type": "debris", "sector_id": 1, "details": "carbon, T4"})
    node.post("/api/pitbox/create", {"box_id": "B12", "password": "pit-1234"})
    node.post("/api/pitbox/send", {"box_id": "B12", "password": "pit-1234",
                                   "action": "box_this_lap", "note": "tyres"})


def test_every_view_at_phone_size(node, pages):
    _race_in_progress(node)
    page = live(pages.phone(node.url + "/#race"))
    page.wait_for_selector("#sector-list li.alert-row")
    race = shot(page, "race-control")
    # The README's picture: the first screen a phone shows.
    path = os.path.join(ARTIFACTS, "race-control-phone.png")
    page.screenshot(path=path)
    docs_copy(path, "race-control.png")
    for view in VIEWS[1:]:
        page.goto(f"{node.url}/#{view}")
        page.wait_for_timeout(300)
        shot(page, f"view-{view}")
    # Nothing smaller than a thumb: every button and field is at least 40 px high.
    page.goto(node.url + "/#race")
    small = page.evaluate("""[...document.querySelectorAll('#main button, #main input, #main select')]
        .filter(e => e.offsetParent && e.getBoundingClientRect().height < 40)
        .map(e => e.textContent || e.name)""")
    assert small == [], small
    # No horizontal scrolling at 375 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert race


def test_page_weight_and_everything_from_the_appliance(node, pages):
    loaded = []
    for path in ("/", "/display?kind=sector&sector=1"):
        ctx = pages.browser.new_context(**{"viewport": {"width": 375, "height": 812}})
        pages.contexts.append(ctx)
        page = ctx.new_page()
        got, frames = [], []
        page.on("requestfinished", lambda req, got=got: got.append(req))
        page.on("websocket", lambda ws, frames=frames: ws.on(
            "framereceived", lambda payload: frames.append(len(payload))))
        page.goto(node.url + path)
        page.wait_for_selector('#conn[data-status="live"]')
        page.wait_for_timeout(300)
        rows = []
        for req in got:
            url = urlparse(req.url)
            assert f"{url.hostname}:{url.port}" == f"127.0.0.1:{node.port}", req.url
            size = req.sizes()["responseBodySize"]
            rows.append({"path": url.path, "type": req.resource_type, "bytes": size})
        loaded.append({"page": path, "requests": len(rows), "ws_state_init_bytes": frames[:1],
                       "bytes": sum(r["bytes"] for r in rows), "files": rows})
    os.makedirs(ARTIFACTS, exist_ok=True)
    with open(os.path.join(ARTIFACTS, "page-weight.json"), "w") as fh:
        json.dump(loaded, fh, indent=1)
    for entry in loaded:
        assert entry["bytes"] < BUDGET_BYTES, entry
