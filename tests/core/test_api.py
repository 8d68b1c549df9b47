"""Every endpoint through a real appliance process over HTTP."""

import json
import socket
import time

import pytest

from support import NodeProcess, http


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    data = tmp_path_factory.mktemp("api")
    (data / "fast.toml").write_text("[http]\nread_timeout_s = 2.0\n")
    node = NodeProcess(str(data), node_id="ctl", config=str(data / "fast.toml")).start()
    yield node
    node.stop()


def post(api, path, data=None, **kw):
    return api.post("/api/" + path, data, **kw)


def assert_error(result, status, field):
    code, body = result
    assert code == status, body
    assert body["field"] == field and body["error"], body


def test_state_has_the_original_fields(api):
    s = api.state()
    for key in ("started", "flag", "safety_car", "safety_car_this_lap", "pilots", "sectors",
                "penalties", "events", "pit_messages", "devices", "node"):
        assert key in s
    assert [x["sector_id"] for x in s["sectors"]] == [1, 2, 3]
    assert s["node"]["id"] == "ctl" and s["node"]["role"] == "control"


@pytest.mark.parametrize("sent, shown", [("yellow", "yellow"), ("black-checkered", "checkered"),
                                         ("chequered", "checkered"), ("Double-Yellow",
                                                                     "double_yellow"),
                                         ("none", "none")])
def test_set_flag_accepts_the_original_names(api, sent, shown):
    assert post(api, "set_flag", {"flag": sent}) [0] == 200
    assert api.state()["flag"] == shown


def test_json_bodies_work_too(api):
    assert post(api, "set_flag", json_body={"flag": "red"})[0] == 200
    assert api.state()["flag"] == "red"
    post(api, "set_flag", {"flag": "none"})


def test_bad_requests_name_the_field_and_change_nothing(api):
    before = api.state()
    post(api, "register_pilot", {"firstName": "A", "lastName": "B", "number": "12"})
    before = api.state()
    cases = [
        (post(api, "set_flag", {"flag": "purple"}), 400, "flag"),
        (post(api, "set_flag", {}), 400, "flag"),
        (post(api, "sector/set_flag", {"sector_id": "9", "flag": "yellow"}), 400, "sector_id"),
        (post(api, "sector/set_flag", {"sector_id": "x", "flag": "yellow"}), 400, "sector_id"),
        (post(api, "register_pilot", {"firstName": "A", "lastName": "B", "number": "1a"}), 400,
         "number"),
        (post(api, "register_pilot", {"firstName": "A", "lastName": "B", "number": "12345"}),
         400, "number"),
        (post(api, "register_pilot", {"firstName": "C", "lastName": "D", "number": "12"}), 409,
         "number"),
        (post(api, "register_pilot", {"lastName": "B", "number": "13"}), 400, "firstName"),
        (post(api, "penalty/add", {"target_number": "99", "penalty_type": "time",
                                   "amount_seconds": "5"}), 404, "target_number"),
        (post(api, "penalty/add", {"target_number": "12", "penalty_type": "time"}), 400,
         "amount_seconds"),
        (post(api, "penalty/add", {"target_number": "12", "penalty_type": "time",
                                   "amount_seconds": "-5"}), 400, "amount_seconds"),
        (post(api, "penalty/add", {"target_number": "12", "penalty_type": "slap"}), 400,
         "penalty_type"),
        (post(api, "penalty/add", {"target_number": "12", "penalty_type": "stop_go",
                                   "who_hit": "55"}), 404, "who_hit"),
        (post(api, "event", {"event_type": "alien_landing"}), 400, "event_type"),
        (post(api, "safety_car/set", {}), 400, "active"),
        (post(api, "safety_car/set", {"active": "maybe"}), 400, "active"),
        (post(api, "pilot/assign_blue", {"number": "77"}), 404, "number"),
        (post(api, "penalty/revoke", {"penalty_id": "nope"}), 404, "penalty_id"),
        (post(api, "identify_device", {"kind": "toaster"}), 400, "kind"),
        (post(api, "set_flag", json_body=["yellow"]), 400, "body"),
    ]
    for result, status, field in cases:
        assert_error(result, status, field)
    after = api.state()
    for key in ("flag", "sectors", "pilots", "penalties", "events", "safety_car"):
        assert after[key] == before[key], key


def test_blank_optional_fields_mean_not_given(api):
    assert post(api, "event", {"event_type": "debris", "sector_id": "", "number": "",
                               "details": ""})[0] == 200
    event = api.state()["events"][-1]
    assert event["event_type"] == "debris" and event["sector_id"] is None
    assert post(api, "penalty/add", {"target_number": "12", "penalty_type": "drive_through",
                                     "amount_seconds": "", "who_hit": ""})[0] == 200


def test_unknown_path_and_oversized_body(api):
    code, body = api.get("/api/nothing-here")
    assert code == 404 and body["error"]
    code, body = post(api, "set_flag", {"flag": "yellow", "pad": "x" * 40000})
    assert code == 413 and "large" in body["error"]


def test_cors_for_clients_from_another_origin(api):
    req = __import__("urllib.request").request.Request(
        api.url + "/api/set_flag", method="OPTIONS",
        headers={"Origin": "http://hub.lan:8080", "Access-Control-Request-Method": "POST"})
    with __import__("urllib.request").request.urlopen(req, timeout=5) as res:
        assert res.headers["Access-Control-Allow-Origin"] in ("*", "http://hub.lan:8080")


def test_sectors_safety_car_and_interventions(api):
    assert post(api, "sector/set_flag", {"sector_id": "2", "flag": "double_yellow",
                                         "marshal_intervene": "1"})[0] == 200
    assert post(api, "safety_car/set", {"active": "1", "in_this_lap": "0"})[0] == 200
    s = api.state()
    s2 = s["sectors"][1]
    assert (s2["flag"], s2["marshal_intervene"], s2["intervene_acked"]) == \
        ("double_yellow", True, False)
    assert s["safety_car"] is True and s["safety_car_this_lap"] is False
    assert s["sectors"][0]["signal"] == "sc"  # the safety car shows on every panel
    assert s2["signal"] == "sc"
    assert post(api, "sector/intervene_ack", {"sector_id": "2"})[0] == 200
    assert api.state()["sectors"][1]["intervene_acked"] is True
    assert post(api, "sector/intervene", {"sector_id": "1", "active": "1"})[0] == 200
    s1 = api.state()["sectors"][0]
    assert s1["marshal_intervene"] and s1["flag"] == "yellow"  # a raise shows yellow
    post(api, "safety_car/set", {"active": "0"})
    post(api, "sector/intervene", {"sector_id": "1", "active": "0"})
    post(api, "sector/set_flag", {"sector_id": "2", "flag": "none", "marshal_intervene": "0"})


def test_pilots_blue_flags_penalties_and_revoke(api):
    post(api, "register_pilot", {"firstName": "Lewis", "lastName": "H", "number": "44"})
    post(api, "register_pilot", {"firstName": "Max", "lastName": "V", "number": "1"})
    assert post(api, "pilot/update", {"firstName": "Lewis", "lastName": "Hamilton",
                                      "number": "44"})[0] == 200
    assert post(api, "pilot/assign_blue", {"number": "44", "assign": "1"})[0] == 200
    pilots = {p["number"]: p for p in api.state()["pilots"]}
    assert pilots["44"]["lastName"] == "Hamilton" and pilots["44"]["blue_flag"] is True
    assert list(pilots)[:2] == ["1", "12"]  # numeric order
    code, body = post(api, "penalty/add", {
        "target_number": "44", "penalty_type": "time_plus", "amount_seconds": "5",
        "reason": "contact", "who_hit": "1", "contact_person": "Clerk", "comment": "T1"})
    assert code == 200
    pid = body["id"]
    pen = next(p for p in api.state()["penalties"] if p["id"] == pid)
    assert (pen["type"], pen["amount_seconds"], pen["who_hit"], pen["revoked"]) == \
        ("time", 5.0, "1", False)
    assert isinstance(pen["ts"], float)
    assert post(api, "penalty/revoke", {"penalty_id": pid})[0] == 200
    pen = next(p for p in api.state()["penalties"] if p["id"] == pid)
    assert pen["revoked"] is True  # kept in the record, marked
    assert_error(post(api, "penalty/revoke", {"penalty_id": pid}), 409, "penalty_id")
    assert post(api, "pilot/delete", {"number": "1"})[0] == 200
    assert "1" not in [p["number"] for p in api.state()["pilots"]]


def test_pit_boxes_passwords_and_no_hash_anywhere(api):
    assert post(api, "pitbox/create", {"box_id": "B7", "password": "s3cret!"})[0] == 200
    assert_error(post(api, "pitbox/create", {"box_id": "B7", "password": "other1"}), 403,
                 "current_password")
    assert_error(post(api, "pitbox/create", {"box_id": "B7", "password": "other1",
                                             "current_password": "wrong"}), 403, "password")
    assert post(api, "pitbox/login", {"box_id": "B7", "password": "s3cret!"})[0] == 200
    assert_error(post(api, "pitbox/send", {"box_id": "B7", "password": "nope",
                                           "action": "pit_in"}), 403, "password")
    assert_error(post(api, "pitbox/send", {"box_id": "B7", "password": "s3cret!",
                                           "action": "teleport"}), 400, "action")
    code, _ = post(api, "pitbox/send", {"box_id": "B7", "password": "s3cret!",
                                        "action": "pit_in", "note": "lap 12"})
    assert code == 200
    assert post(api, "pitbox/reset", {"box_id": "B7", "password": "fresh1"})[0] == 200
    assert post(api, "pitbox/login", {"box_id": "B7", "password": "fresh1"})[0] == 200
    s = api.state()
    assert s["pit_messages"][-1]["note"] == "lap 12"
    assert s["pitboxes"] == [{"box_id": "B7"}]
    assert "$2b$" not in json.dumps(s)
    assert "$2b$" not in api.log()


def test_repeated_wrong_passwords_are_slowed_but_flags_are_not(api):
    post(api, "pitbox/create", {"box_id": "slow", "password": "right1"})
    times = []
    for _ in range(3):
        t0 = time.monotonic()
        assert post(api, "pitbox/login", {"box_id": "slow", "password": "bad"})[0] == 403
        times.append(time.monotonic() - t0)
    assert times[2] > times[0] + 0.5  # 0.5 s, 1 s, 2 s
    import threading
    slow = threading.Thread(target=post, args=(api, "pitbox/login",
                                               {"box_id": "slow", "password": "bad"}))
    slow.start()
    t0 = time.monotonic()
    assert post(api, "set_flag", {"flag": "yellow"})[0] == 200
    assert time.monotonic() - t0 < 1.0  # the 4 s penalty delay holds only that request
    slow.join()


def test_identify_device_and_heartbeats_write_nothing(api):
    data = {"kind": "display", "sector_id": "2", "device_id": "kiosk-2", "host": "10.0.0.9"}
    code, body = post(api, "identify_device", data)
    assert code == 200 and body["key"] == "kiosk-2" and "id" in body  # one operation
    code, body = post(api, "identify_device", data)
    assert code == 200 and "id" not in body  # unchanged: no operation, no write
    dev = next(d for d in api.state()["devices"] if d["key"] == "kiosk-2")
    assert (dev["kind"], dev["sector_id"], dev["host"]) == ("display", 2, "10.0.0.9")


def test_start_sequence_lights_out_starts_the_race(api):
    post(api, "reset_race")
    code, body = post(api, "start_sequence")
    assert code == 200
    seq = body["start_sequence"]
    assert 5200 <= seq["lights_out_ms"] - seq["begin_ms"] <= 8000
    assert_error(post(api, "start_sequence"), 409, "start_sequence")
    assert api.state()["started"] is False
    assert post(api, "start_sequence/abort")[0] == 200
    s = api.state()
    assert s["start_sequence"]["aborted"] is True and s["started"] is False
    assert post(api, "start_race")[0] == 200
    assert api.state()["started"] is True


def test_reset_keeps_pilots_and_boxes_clears_the_session(api):
    post(api, "register_pilot", {"firstName": "K", "lastName": "R", "number": "7"})
    post(api, "set_flag", {"flag": "red"})
    post(api, "event", {"event_type": "oil", "sector_id": "1"})
    post(api, "start_race")
    assert post(api, "reset_race")[0] == 200
    s = api.state()
    assert s["flag"] == "none" and not s["started"] and not s["events"]
    assert not s["penalties"] and not s["pit_messages"]
    assert all(not p["blue_flag"] for p in s["pilots"])
    assert "7" in [p["number"] for p in s["pilots"]]
    assert s["pitboxes"]


def test_a_slow_client_cannot_pin_the_server(api):
    with socket.create_connection(("127.0.0.1", api.port)) as idle, \
            socket.create_connection(("127.0.0.1", api.port)) as slow:
        slow.sendall(b"POST /api/set_flag HTTP/1.1\r\nContent-Len")  # and then nothing
        idle.settimeout(20)
        t0 = time.monotonic()
        assert api.state()["node"]["id"] == "ctl"  # others are served meanwhile
        assert time.monotonic() - t0 < 1
        assert idle.recv(10) == b""  # and the server hangs up on the silent one
        assert time.monotonic() - t0 < 5


def test_session_log_json_and_csv(api):
    post(api, "reset_race")
    post(api, "set_flag", {"flag": "yellow"})
    post(api, "event", {"event_type": "debris", "details": "=HYPERLINK(\"x\")"})
    code, body = api.get("/api/log")
    assert code == 200
    assert [(r["category"], r["subject"], r["value"]) for r in body["log"]][:1] == \
        [("signal", "flag", "yellow")]
    code, text = api.get("/api/log.csv")
    assert code == 200 and text.splitlines()[0].startswith("ts_ms,time_utc,node")
    assert "'=HYPERLINK" in text  # a formula is never handed to a spreadsheet


def test_multipart_forms_are_read(api):
    boundary = "XyZ"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"flag\"\r\n\r\nwhite\r\n"
            f"--{boundary}--\r\n").encode()
    import urllib.request
    req = urllib.request.Request(api.url + "/api/set_flag", data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(req, timeout=5) as res:
        assert res.status == 200
    assert api.state()["flag"] == "white"


def test_unknown_method_is_json(api):
    code, body = http("DELETE", api.url + "/api/state")
    assert code == 405 and body["error"]


def test_per_car_flags(api):
    post(api, "register_pilot", {"firstName": "B", "lastName": "W", "number": "31"})
    assert post(api, "pilot/car_flag", {"number": "31", "flag": "black-orange"})[0] == 200
    car = next(p for p in api.state()["pilots"] if p["number"] == "31")
    assert (car["car_flag"], car["car_flag_conflict"]) == ("black_orange", False)
    assert_error(post(api, "pilot/car_flag", {"number": "31", "flag": "purple"}), 400, "flag")
    assert_error(post(api, "pilot/car_flag", {"number": "404", "flag": "black"}), 404, "number")
    assert post(api, "pilot/car_flag", {"number": "31", "flag": "none"})[0] == 200
    assert next(p for p in api.state()["pilots"] if p["number"] == "31")["car_flag"] == "none"


def test_the_ui_is_served_gzipped_to_those_who_accept_it(api):
    import gzip
    import urllib.request
    req = urllib.request.Request(api.url + "/static/js/api.js",
                                 headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=5) as res:
        packed = res.read()
        assert res.headers["Content-Encoding"] == "gzip"
        assert res.headers["Content-Type"].startswith("application/javascript")
    with urllib.request.urlopen(api.url + "/static/js/api.js", timeout=5) as res:
        raw = res.read()
        assert res.headers.get("Content-Encoding") is None
    assert gzip.decompress(packed) == raw and len(packed) < len(raw) / 2
    assert api.get("/static/../pyproject.toml")[0] == 404
    assert api.get("/static/nothing.js")[0] == 404


@pytest.mark.parametrize("content_type, body", [
    ("application/x-www-form-urlencoded", b"flag=%ff"),
    ("application/json", b"\xff\xfe"),
    ("application/json", b'{"flag": '),
    ("multipart/form-data", b"no boundary"),
    ("multipart/form-data; boundary=b", b"garbage without any boundary"),  # once a hang
    ("multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-data; name=\"flag\""),
])
def test_unreadable_bodies_are_a_400_at_once(api, content_type, body):
    t0 = time.monotonic()
    code, answer = http("POST", api.url + "/api/set_flag", headers={"Content-Type": content_type},
                        body=body)
    assert (code, answer["field"]) == (400, "body"), answer
    assert time.monotonic() - t0 < 1.5
    assert api.state()["node"]["id"] == "ctl"  # and the node goes on


def test_malformed_requests_are_a_json_400(api):
    code, answer = http("POST", api.url + "/api/set_flag?flag=%zz")
    assert code == 400 and answer["error"]
