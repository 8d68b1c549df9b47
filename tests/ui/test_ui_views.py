"""Pilots, penalties, events, pit and the session log, end to end in the browser; every
user-supplied string renders as text."""

from support import wait_for
from uisupport import live, shot

XSS = '<img src=x onerror="window.__pwned=1">'
XSS2 = "<script>window.__pwned=2</script>"


def _register(node, number, first="Ann", last="Lee"):
    status, body = node.post("/api/register_pilot", {"firstName": first, "lastName": last,
                                                     "number": number})
    assert status == 200, body


def test_register_edit_delete_pilot(node, pages):
    page = live(pages.phone(node.url + "/#pilots"))
    form = "#pilot-form"
    page.fill(f"{form} [name=firstName]", "Mia")
    page.fill(f"{form} [name=lastName]", "Rossi")
    page.fill(f"{form} [name=number]", "46")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector('#pilot-list li[data-number="46"]:has-text("Mia Rossi")')
    assert node.state()["pilots"][0]["firstName"] == "Mia"

    # The same number again: the server's refusal is shown at the field.
    page.fill(f"{form} [name=firstName]", "Other")
    page.fill(f"{form} [name=lastName]", "Driver")
    page.fill(f"{form} [name=number]", "46")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"{form} .field-error:has-text('already registered')")
    page.wait_for_selector(".toast.error")
    page.click(".toast.error")
    page.fill(f"{form} [name=number]", "")

    page.click('#pilot-list li[data-number="46"] button:has-text("Edit")')
    page.fill(f"{form} [name=lastName]", "Rossini")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector('#pilot-list li[data-number="46"]:has-text("Mia Rossini")')
    shot(page, "pilots")

    page.click('#pilot-list li[data-number="46"] button:has-text("Delete")')
    page.click('dialog.confirm button[value="yes"]')
    page.wait_for_selector('#pilot-list li[data-number="46"]', state="detached")
    assert node.state()["pilots"] == []


def test_script_payload_in_names_renders_as_text(node, pages):
    _register(node, "66", XSS, XSS2)
    node.post("/api/penalty/add", {"target_number": "66", "penalty_type": "stop_go",
                                   "reason": XSS, "comment": XSS2, "contact_person": XSS})
    node.post("/api/event", {"event_type": "debris", "details": XSS, "number": "66"})
    node.post("/api/pitbox/create", {"box_id": "A1", "password": "secret1"})
    node.post("/api/pitbox/send", {"box_id": "A1", "password": "secret1",
                                   "action": "message", "note": XSS2})
    for view in ("race", "pilots", "penalties", "events", "pit", "log"):
        page = live(pages.phone(f"{node.url}/#{view}"))
        page.wait_for_timeout(400)
        assert page.evaluate("window.__pwned") is None, view
        assert page.locator("#main img, #main script").count() == 0, view
        assert (XSS2 if view == "pit" else XSS) in page.text_content(f"#view-{view}"), view
    page = live(pages.phone(node.url + "/#pilots"))
    assert page.text_content('#pilot-list li[data-number="66"] .pilot-name') == f"{XSS} {XSS2}"


def test_penalty_add_and_revoke(node, pages):
    _register(node, "7")
    _register(node, "8", "Bo", "Ek")
    page = live(pages.phone(node.url + "/#penalties"))
    form = "#penalty-form"
    page.wait_for_selector(f'{form} [name=target_number] option[value="7"]', state="attached")
    page.select_option(f"{form} [name=target_number]", "7")
    page.select_option(f"{form} [name=penalty_type]", "time")
    page.fill(f"{form} [name=amount_seconds]", "10")
    page.fill(f"{form} [name=reason]", "causing a collision")
    page.select_option(f"{form} [name=who_hit]", "8")
    page.fill(f"{form} [name=contact_person]", "Clerk of course")
    page.fill(f"{form} [name=comment]", "turn 3")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#penalty-list li:has-text('causing a collision')")
    (pen,) = node.state()["penalties"]
    assert (pen["target_number"], pen["type"], pen["amount_seconds"], pen["who_hit"]) == \
        ("7", "time", 10, "8")
    assert pen["contact_person"] == "Clerk of course" and pen["comment"] == "turn 3"
    shot(page, "penalties")

    page.click(f'#penalty-list [data-revoke="{pen["id"]}"]')
    page.click('dialog.confirm button[value="yes"]')
    page.wait_for_selector(f'#penalty-list li[data-penalty="{pen["id"]}"].is-revoked')
    assert node.state()["penalties"][0]["revoked"] is True


def test_events_composer_timeline_and_session_log(node, pages):
    _register(node, "3")
    page = live(pages.phone(node.url + "/#events"))
    form = "#event-form"
    page.select_option(f"{form} [name=event_type]", "car_stopped")
    page.select_option(f"{form} [name=sector_id]", "2")
    page.wait_for_selector(f'{form} [name=number] option[value="3"]', state="attached")
    page.select_option(f"{form} [name=number]", "3")
    page.fill(f"{form} [name=details]", "stopped at turn 5")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#event-timeline li:has-text('stopped at turn 5')")
    ev = node.state()["events"][0]
    assert (ev["event_type"], ev["sector_id"], ev["number"]) == ("car_stopped", 2, "3")
    shot(page, "events")

    node.post("/api/set_flag", {"flag": "fcy"})
    page.goto(node.url + "/#log")
    live(page)
    page.wait_for_selector('#log-table tr[data-category="event"]:has-text("car_stopped")')
    page.wait_for_selector('#log-table tr[data-category="signal"]:has-text("fcy")')
    node_id = node.state()["node"]["id"]
    assert node_id in page.text_content("#log-table")
    page.select_option("#log-category", "event")
    assert page.locator('#log-table tr[data-category="signal"]').count() == 0
    page.select_option("#log-category", "")
    page.fill("#log-search", "fcy")
    assert page.locator('#log-table tr[data-category="event"]').count() == 0
    page.fill("#log-search", "")
    shot(page, "log")
    href = page.get_attribute("#log-csv", "href")
    res = page.request.get(href)
    assert res.ok and res.headers["content-type"].startswith("text/csv")
    assert "car_stopped" in res.text() and res.text().startswith("ts_ms,")


def test_pit_box_create_login_send(node, pages):
    page = live(pages.phone(node.url + "/#pit"))
    page.fill("#pit-create [name=box_id]", "Box7")
    page.fill("#pit-create [name=password]", "hunter22")
    page.click("#pit-create button[type=submit]")
    page.wait_for_selector(".toast.ok:has-text('Box7')")
    assert node.state()["pitboxes"] == [{"box_id": "Box7"}]

    page.fill("#pit-login [name=box_id]", "Box7")
    page.fill("#pit-login [name=password]", "wrong-password")
    page.click("#pit-login button[type=submit]")
    page.wait_for_selector("#pit-login .field-error")
    page.wait_for_selector(".toast.error")
    assert page.is_hidden("#pit-send")
    shot(page, "pit-wrong-password")

    page.fill("#pit-login [name=password]", "hunter22")
    page.click("#pit-login button[type=submit]")
    page.wait_for_selector("#pit-send:visible")
    assert "Box7" in page.text_content("#pit-who")
    page.select_option("#pit-send [name=action]", "box_this_lap")
    page.fill("#pit-send [name=note]", "fuel + tyres, driver change")
    page.click("#pit-send button[type=submit]")
    page.wait_for_selector("#pit-feed li[data-box='Box7']:has-text('driver change')")
    msg = wait_for(lambda: node.state()["pit_messages"], what="pit message")[0]
    assert (msg["box_id"], msg["action"]) == ("Box7", "box_this_lap")
    shot(page, "pit")
