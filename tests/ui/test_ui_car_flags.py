"""Per-car flags in the browser, against a real appliance: race control sets them in the car's
row (black asks first), a partition's concurrent values are shown and settled, and the
semaphore kiosk shows the car number on the flag's pattern, car by car on 2 s slots of the
server clock, unless a graver start-line signal shows."""

import os

from support import wait_for
from uisupport import ARTIFACTS, live, shot, wait_js


def _register(node, number, first="Ann", last="Lee"):
    assert node.post("/api/register_pilot", {"firstName": first, "lastName": last,
                                             "number": number})[0] == 200


def _car_flag(node, number):
    return next(p for p in node.state()["pilots"] if p["number"] == number)["car_flag"]


def _set(node, number, flag):
    assert node.post("/api/pilot/car_flag", {"number": number, "flag": flag})[0] == 200


def test_car_flag_set_from_race_control(node, pages):
    _register(node, "12")
    page = live(pages.phone(node.url + "/#race"))
    row = '#blue-list li[data-number="12"]'
    page.wait_for_selector(f'{row} .chip[data-car-flag="none"]')

    # Big touch targets: every car flag button is at least 48 px each way at 375 px.
    boxes = page.evaluate(f"""[...document.querySelectorAll('{row} .carflags button')]
        .map(b => {{ const r = b.getBoundingClientRect(); return [b.dataset.carFlag, r.width, r.height]; }})""")
    assert [b[0] for b in boxes] == ["black", "black_orange", "black_white", "none"]
    assert all(w >= 48 and ht >= 48 for _, w, ht in boxes), boxes
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.click(f'{row} button[data-car-flag="black_orange"]')
    wait_for(lambda: _car_flag(node, "12") == "black_orange", what="black_orange set")
    page.wait_for_selector(f'{row} .chip.cf-black_orange[data-car-flag="black_orange"]')
    page.wait_for_selector(f'{row} button[data-car-flag="black_orange"][aria-pressed="true"]')
    assert page.text_content(f"{row} .chip") == "Black-orange"
    # The chip is in the pattern: black with an orange disc.
    chip = page.evaluate(f"""(() => {{ const c = document.querySelector('{row} .chip');
        return [getComputedStyle(c).backgroundColor, getComputedStyle(c, '::before').backgroundColor,
                getComputedStyle(c, '::before').borderRadius]; }})()""")
    assert chip == ["rgb(0, 0, 0)", "rgb(255, 106, 0)", "50%"], chip
    page.locator("#cars").scroll_into_view_if_needed()
    shot(page, "car-flags-race-control")
    page.locator("#cars").screenshot(path=os.path.join(ARTIFACTS, "car-flags-card.png"))

    # Black (a disqualification) asks first; cancel keeps black-orange.
    page.click(f'{row} button[data-car-flag="black"]')
    page.wait_for_selector("dialog.confirm:has-text('disqualify')")
    page.click('dialog.confirm button[value="no"]')
    page.wait_for_timeout(300)
    assert _car_flag(node, "12") == "black_orange"
    page.click(f'{row} button[data-car-flag="black"]')
    page.click('dialog.confirm button[value="yes"]')
    wait_for(lambda: _car_flag(node, "12") == "black", what="black set")
    page.wait_for_selector(f'{row} .chip[data-car-flag="black"]')

    page.click(f'{row} button[data-car-flag="black_white"]')  # no question for a warning
    wait_for(lambda: _car_flag(node, "12") == "black_white", what="black_white set")
    page.wait_for_selector(f'{row} .chip.cf-black_white')
    page.click(f'{row} button[data-car-flag="none"]')
    wait_for(lambda: _car_flag(node, "12") == "none", what="car flag cleared")
    page.wait_for_selector(f'{row} .chip[data-car-flag="none"]:has-text("No car flag")')


def test_car_flag_concurrent_values_shown_and_settled(node, pages):
    """A partition's concurrent car flags (car_flag_conflict) as the merged state carries them,
    and a start gantry reporting its car-flag rotation in the posts."""
    _register(node, "12")
    page = live(pages.phone(node.url + "/#race"))
    page.wait_for_selector('#blue-list li[data-number="12"]')
    page.evaluate("""(() => {
        const s = structuredClone(window.raceflags.state);
        Object.assign(s.pilots[0], {car_flag: "black", car_flag_conflict: true,
                                    car_flag_values: ["black", "black_white"]});
        // and a start gantry's report of a rotation (appliance/hw/service.py)
        s.panel = {...(s.panel || {}), signal: "car_flags", cars: ["car_black:12", "car_black_white:7"]};
        window.raceflags.link.dispatchEvent(new CustomEvent("state", {detail: s}));
    })()""")
    box = '#blue-list [data-conflict="12"] .conflict'
    page.wait_for_selector(f"{box}:has-text('concurrent values')")
    assert "Black" in page.text_content(box)
    page.wait_for_selector('#post-list .chip.cf-black:has-text("panel: car flags 12, 7")')
    shot(page, "car-flags-conflict")
    page.locator("#cars").screenshot(path=os.path.join(ARTIFACTS, "car-flags-card-conflict.png"))
    page.click(f'{box} [data-settle="black"]')  # keeping black is still a disqualification
    page.click('dialog.confirm button[value="yes"]')
    wait_for(lambda: _car_flag(node, "12") == "black", what="settled car flag")
    page.wait_for_selector(f"{box}", state="detached")


def test_semaphore_kiosk_shows_car_flags(node, pages):
    _register(node, "12")
    _register(node, "7", "Mia", "Rossi")
    kiosk = pages.kiosk(node.url + "/display?kind=semaphore")
    kiosk.wait_for_selector('#conn[data-status="live"]')
    _set(node, "12", "black_orange")
    kiosk.wait_for_selector('#panel[data-signal="black_orange"][data-car="12"]')
    assert kiosk.text_content("#panel .text") == "12"
    # An orange disc the height of the panel, the number in white beside it.
    disc = kiosk.evaluate("""(() => { const t = document.querySelector('#panel .text');
        const d = getComputedStyle(t, '::before');
        return [d.backgroundColor, d.borderRadius, parseFloat(d.height), getComputedStyle(t).color]; })()""")
    assert disc[:2] == ["rgb(255, 106, 0)", "50%"] and disc[2] > 0.75 * 360, disc
    assert disc[3] == "rgb(255, 255, 255)", disc
    shot(kiosk, "display-semaphore-car-black_orange")

    # Two cars take turns, 2 s each, gravest first, on slots of the server clock.
    _set(node, "7", "black_white")
    kiosk.wait_for_selector('#panel[data-signal="black_white"][data-car="7"]', timeout=5000)
    seen = []
    for _ in range(60):
        now, car, signal = kiosk.evaluate("""[window.raceflags.link.now(),
            document.getElementById('panel').dataset.car, document.getElementById('panel').dataset.signal]""")
        if 150 < now % 2000 < 1850:  # away from a slot edge
            want = ("12", "black_orange") if (now // 2000) % 2 == 0 else ("7", "black_white")
            assert (car, signal) == want, (now, car, signal)
            seen.append(car)
        kiosk.wait_for_timeout(100)
    assert set(seen) == {"12", "7"}, seen
    kiosk.wait_for_selector('#panel[data-signal="black_white"][data-car="7"]')
    shot(kiosk, "display-semaphore-car-black_white")

    # Red (and SC) on the start line hide the car flags; clear brings them back.
    assert node.post("/api/set_flag", {"flag": "red"})[0] == 200
    kiosk.wait_for_selector('#panel[data-signal="red"]')
    assert kiosk.evaluate("'car' in document.getElementById('panel').dataset") is False
    assert kiosk.text_content("#panel .text") == ""
    shot(kiosk, "display-semaphore-car-red")
    assert node.post("/api/set_flag", {"flag": "sc"})[0] == 200
    kiosk.wait_for_selector('#panel[data-signal="sc"]')
    assert node.post("/api/set_flag", {"flag": "none"})[0] == 200
    _set(node, "7", "none")
    kiosk.wait_for_selector('#panel[data-signal="black_orange"][data-car="12"]')
    _set(node, "12", "black")
    kiosk.wait_for_selector('#panel[data-signal="black"][data-car="12"]')
    assert kiosk.text_content("#panel .text") == "12"
    shot(kiosk, "display-semaphore-car-black")
    _set(node, "12", "none")
    kiosk.wait_for_selector('#panel[data-signal="none"]')
    wait_js(kiosk, "!('car' in document.getElementById('panel').dataset)", what="no car shown")


def test_semaphore_car_flags_yield_to_the_start(node, pages):
    """semaphoreSignal (js/flags.js) as appliance/hw/render.py resolves the start line:
    chequered and the start hide car flags; after lights out the line stays dark for 5 s."""
    kiosk = pages.kiosk(node.url + "/display?kind=semaphore")
    kiosk.wait_for_selector('#conn[data-status="live"]')
    got = kiosk.evaluate("""(async () => {
        const f = await import("/static/js/flags.js");
        const now = 1_000_000_000;
        const pilots = [{number: "44", car_flag: "black_white"}, {number: "7", car_flag: "black_white"},
                        {number: "12", car_flag: "black"}, {number: "9", car_flag: "none"}];
        const base = {flag: "none", safety_car: false, start_sequence: null, pilots};
        const seq = (out) => ({begin_ms: now - out - 5000, lights_out_ms: now - out, aborted: false});
        const at = (patch, t = now) => { const s = f.semaphoreSignal({...base, ...patch}, t);
            return s.signal + (s.number ? ":" + s.number : ""); };
        return {
            order: f.flaggedCars(base).map((p) => p.number),
            slots: [0, 1, 2, 3].map((i) => at({}, now + i * 2000)),
            checkered: at({flag: "checkered"}), sc: at({safety_car: true}), red: at({flag: "red"}),
            lightsOut1s: at({start_sequence: seq(1000)}), lightsOut6s: at({start_sequence: seq(6000)}),
        };
    })()""")
    assert got["order"] == ["12", "7", "44"]
    # slot 500000 of 2 s: 500000 mod 3 cars = 2, so 44 (the third) first
    assert got["slots"] == ["black_white:44", "black:12", "black_white:7", "black_white:44"]
    assert (got["checkered"], got["sc"], got["red"]) == ("checkered", "sc", "red")
    assert got["lightsOut1s"] == "lights_out"
    assert got["lightsOut6s"].startswith("black")
