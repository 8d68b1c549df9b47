"""Race control in the browser, against a real appliance: flags reach a kiosk display and a
second phone, start/reset with confirmation, safety car, marshal interventions acknowledged,
blue flags per car, the posts."""

from support import wait_for
from uisupport import live, shot


def _flag(node) -> str:
    return node.state()["flag"]


def test_flag_reaches_kiosk_and_second_phone(node, pages):
    a = live(pages.phone(node.url + "/#race"))
    b = live(pages.phone(node.url + "/#race"))
    kiosk = pages.kiosk(node.url + "/display?kind=sector&sector=2")
    kiosk.wait_for_selector('#conn[data-status="live"]')

    a.click('#track-flags [data-flag="red"]')  # red asks first
    a.click('dialog.confirm button[value="yes"]')
    b.wait_for_selector('#track-current[data-flag="red"]')
    kiosk.wait_for_selector('#panel[data-signal="red"]')
    assert _flag(node) == "red"

    a.click('#track-flags [data-flag="yellow"]')
    b.wait_for_selector('#track-current[data-flag="yellow"]')
    kiosk.wait_for_selector('#panel[data-signal="yellow"]')
    # 1 Hz, halves alternating: within a second the panel shows both phases.
    phases = set()
    for _ in range(12):
        phases.add(kiosk.evaluate("document.getElementById('panel').className"))
        kiosk.wait_for_timeout(100)
    assert any("lit" in p.split() for p in phases) and any("dark" in p.split() for p in phases)
    shot(kiosk, "display-sector-yellow")

    # The kiosk identified itself to race control, and race control lists it.
    devices = wait_for(lambda: [d for d in node.state()["devices"] if d["kind"] == "sector"
                                and d["sector_id"] == 2 and d["panel"] == "browser"],
                       what="kiosk identify_device")
    assert devices[0]["device_id"].startswith("web-")
    a.wait_for_selector(f'#post-list [data-device="{devices[0]["key"]}"]')
    a.wait_for_selector('#post-list .online')

    a.click('#track-flags [data-flag="sc"]')
    kiosk.wait_for_selector('#panel[data-signal="sc"]')
    assert kiosk.text_content("#panel .text") == "SC"
    a.click('#track-flags [data-flag="checkered"]')
    kiosk.wait_for_selector('#panel[data-signal="checkered"]')


def test_start_reset_confirm_and_safety_car(node, pages):
    page = live(pages.phone(node.url + "/"))
    page.click("#start-race")
    page.click('dialog.confirm button[value="no"]')
    page.wait_for_timeout(300)
    assert node.state()["started"] is False
    page.click("#start-race")
    page.click('dialog.confirm button[value="yes"]')
    wait_for(lambda: node.state()["started"], what="race started")
    page.wait_for_selector("#race-status:has-text('Started')")

    page.click("#sc-active")
    page.wait_for_selector('#sc-active[aria-pressed="true"]')
    assert node.state()["safety_car"] is True
    assert page.text_content("#map-track") == "SC"
    page.click("#sc-lap")
    page.wait_for_selector('#sc-lap[aria-pressed="true"]')
    assert node.state()["safety_car_this_lap"] is True

    page.click('#track-flags [data-flag="yellow"]')
    wait_for(lambda: _flag(node) == "yellow", what="yellow")
    page.click("#reset-race")
    page.click('dialog.confirm button[value="yes"]')
    wait_for(lambda: _flag(node) == "none" and not node.state()["started"], what="reset")


def test_track_map_intervention_and_ack(node, pages):
    control = live(pages.phone(node.url + "/#race"))
    marshal = live(pages.phone(node.url + "/#marshal/2"))
    assert control.locator("#track-map path.sector").count() == len(node.state()["sectors"])

    marshal.click("#intervene-raise")
    control.wait_for_selector('#sector-list li.alert-row[data-sector="2"]')
    control.wait_for_selector('#alerts [data-sector="2"]')
    control.wait_for_selector('#track-map path[data-sector="2"][data-signal="yellow"]')
    marshal.wait_for_selector("#intervene-status:has-text('waiting')")
    marshal.wait_for_selector('#marshal-signal [data-flag="yellow"]')
    shot(control, "race-control-alert")

    control.click('#alerts [data-ack="2"]')
    marshal.wait_for_selector("#intervene-status:has-text('acknowledged')")
    control.wait_for_selector('#sector-list li[data-sector="2"]:not(.alert-row)')
    control.wait_for_selector('#alerts [data-sector="2"]', state="detached")
    assert node.state()["sectors"][1]["intervene_acked"] is True

    marshal.click("#intervene-clear")
    marshal.wait_for_selector("#intervene-raise")
    marshal.click('#view-marshal [data-flag="slippery"]')
    control.wait_for_selector('#track-map path[data-sector="2"][data-signal="slippery"]')
    shot(marshal, "marshal")


def test_blue_flag_per_car(node, pages):
    assert node.post("/api/register_pilot", {"firstName": "Ann", "lastName": "Lee",
                                             "number": "12"})[0] == 200
    page = live(pages.phone(node.url + "/#race"))
    page.click('#blue-list [data-blue="12"]')
    page.wait_for_selector('#blue-list [data-blue="12"][aria-pressed="true"]')
    assert node.state()["pilots"][0]["blue_flag"] is True
    page.click('#blue-list [data-blue="12"]')
    page.wait_for_selector('#blue-list [data-blue="12"][aria-pressed="false"]')
    assert node.state()["pilots"][0]["blue_flag"] is False


def test_semaphore_kiosk_start_lights(node, pages):
    kiosk = pages.kiosk(node.url + "/display?kind=semaphore")
    kiosk.wait_for_selector('#conn[data-status="live"]')
    assert node.post("/api/start_sequence")[0] == 200
    kiosk.wait_for_selector('#panel[data-signal="start"]')
    kiosk.wait_for_selector("#panel .lamp.on >> nth=1", timeout=4000)  # two lights by 2 s
    shot(kiosk, "display-semaphore")
    assert node.post("/api/start_sequence/abort")[0] == 200
    kiosk.wait_for_selector('#panel[data-signal="aborted"]')


def test_concurrent_values_shown_and_settled_in_one_tap(node, pages):
    """A partition's concurrent values (flag_values) as the merged state carries them."""
    page = live(pages.phone(node.url + "/#race"))
    page.evaluate("""(() => {
        const s = structuredClone(window.raceflags.state);
        Object.assign(s, {flag: "red", flag_values: ["red", "yellow"], flag_conflict: true});
        window.raceflags.link.dispatchEvent(new CustomEvent("state", {detail: s}));
    })()""")
    page.wait_for_selector("#track-conflict .conflict:has-text('Concurrent values')")
    page.click('#track-conflict [data-settle="yellow"]')
    wait_for(lambda: node.state()["flag"] == "yellow", what="settled flag")
    page.wait_for_selector("#track-conflict .conflict", state="detached")
