"""The public state: what `GET /api/state` and `/ws` show, built from a RaceState.

Keeps the original clients' field names (`started`, `flag`, `safety_car`, `pilots`,
`sectors`, `penalties`, ...) and adds what the new features need. Never contains a
pit-box password hash.
"""

from __future__ import annotations

from . import flags
from .race import RaceState


def _ordered(values: list[str]) -> list[str]:
    return sorted(set(values), key=lambda v: -flags.SEVERITY[v])


def _car_sort_key(number: str) -> tuple[int, str]:
    return (int(number), number)


def sector_signal(state: RaceState, sector_id: int) -> tuple[str, int]:
    """What sector `sector_id`'s panel must show, and since when (ms): the most cautious
    of its own flag, the track flag and the safety car."""
    candidates = []
    flag, _, since = state.signal(f"sector_flag:{sector_id}")
    candidates.append((flag, since))
    track, _, track_since = state.signal("flag")
    candidates.append((track, track_since))
    sc, _, sc_since = state.signal("sc_active")
    if sc:
        candidates.append(("sc", sc_since))
    signal = flags.most_cautious([c[0] for c in candidates])
    return signal, max(s for f, s in candidates if f == signal)


def start_status(state: RaceState, now_ms: int) -> tuple[bool, int | None]:
    """The race counts as started by `start_race` or at the lights-out of a sequence."""
    entry = state.lww.get("started")
    started_at = entry[0] >> 16 if entry and entry[2] else None
    seq = state.lww_value("start_seq")
    if seq and not seq.get("aborted") and now_ms >= seq["lights_out_ms"]:
        if started_at is None or seq["lights_out_ms"] > started_at:
            started_at = seq["lights_out_ms"]
    return started_at is not None, started_at


def public_state(state: RaceState, node: dict, now_ms: int) -> dict:
    # A "since" is the writer's timestamp. A post that wrote before it had the track's time
    # may stamp the future; clamped here, its change holds from when it is seen, so a
    # green hold cannot last an hour.
    def seen(ms: int) -> int:
        return min(ms, now_ms)

    flag, flag_values, flag_since = state.signal("flag")
    sc, _, _ = state.signal("sc_active")
    sc_lap, _, _ = state.signal("sc_lap")
    started, started_at = start_status(state, now_ms)
    sectors = []
    for sid in range(1, state.sectors + 1):
        sflag, svalues, ssince = state.signal(f"sector_flag:{sid}")
        intervene, _, intervene_since = state.signal(f"intervene:{sid}")
        acked = state.lww_value(f"intervene_ack:{sid}", 0)
        signal, signal_since = sector_signal(state, sid)
        sectors.append({
            "sector_id": sid, "flag": sflag, "flag_values": _ordered(svalues),
            "flag_conflict": len(set(svalues)) > 1, "flag_since_ms": seen(ssince),
            "marshal_intervene": intervene, "intervene_since_ms": intervene_since,
            "intervene_acked": bool(intervene and acked >= intervene_since),
            "signal": signal, "signal_since_ms": seen(signal_since),
        })
    pilots = []
    for number in sorted((n for n, e in state.pilots.items() if e[2]), key=_car_sort_key):
        record = state.pilots[number][2]
        blue, blue_values, _ = state.signal(f"blue:{number}")
        car_flag, car_values, car_since = state.signal(f"car_flag:{number}")
        pilots.append({"firstName": record["firstName"], "lastName": record["lastName"],
                       "number": number, "blue_flag": blue,
                       "blue_conflict": len(set(blue_values)) > 1,
                       "car_flag": car_flag, "car_flag_since_ms": seen(car_since),
                       "car_flag_values": sorted(set(car_values),
                                                 key=lambda v: -flags.CAR_SEVERITY[v]),
                       "car_flag_conflict": len(set(car_values)) > 1})
    penalties = []
    for p in sorted(state.penalties.values(), key=lambda p: (p["ts_ms"], p["id"])):
        revoked_ms = state.revoked.get(p["id"])
        penalties.append({**p, "ts": p["ts_ms"] / 1000, "revoked": revoked_ms is not None,
                          "revoked_ms": revoked_ms})
    seq = state.lww_value("start_seq")
    return {
        "node": node,
        "now_ms": now_ms,
        "epoch": state.reset_id,
        "started": started,
        "started_at_ms": started_at,
        "flag": flag,
        "flag_values": _ordered(flag_values),
        "flag_conflict": len(set(flag_values)) > 1,
        "flag_since_ms": seen(flag_since),
        "safety_car": sc,
        "safety_car_this_lap": sc_lap,
        "sectors": sectors,
        "start_sequence": dict(seq) if seq else None,
        "pilots": pilots,
        "penalties": penalties,
        "events": _by_time(state.events),
        "pit_messages": _by_time(state.pit_messages),
        "pitboxes": [{"box_id": b} for b in sorted(state.pitboxes)],
        "devices": sorted((dict(e[2], key=k, updated_ms=e[0] >> 16)
                           for k, e in state.devices.items()), key=lambda d: d["key"]),
    }


def _by_time(collection: dict) -> list[dict]:
    return [dict(r, ts=r["ts_ms"] / 1000)
            for r in sorted(collection.values(), key=lambda r: (r["ts_ms"], r["id"]))]
