"""The session log: every signal change, penalty, event and pit message of the session,
with its time and origin node — for the log view and the stewards' CSV export."""

from __future__ import annotations

import csv
import io

from datetime import datetime, timezone

from .hlc import wall_ms
from .ops import Op

COLUMNS = ("ts_ms", "time_utc", "node", "category", "subject", "value", "details")


def _describe(op: Op) -> tuple[str, str, str, str] | None:
    a = op.args
    if op.kind == "signal":
        register, value = a.get("r", ""), a.get("v")
        return ("signal", register, str(value).lower() if isinstance(value, bool) else str(value),
                "")
    if op.kind == "lww":
        return ("race", a.get("r", ""), _short(a.get("v")), "")
    if op.kind == "penalty":
        return ("penalty", a.get("target_number", ""), a.get("type", ""),
                f"{a.get('amount_seconds', 0)} s; {a.get('reason', '')}; "
                f"hit {a.get('who_hit', '') or '-'}; {a.get('comment', '')}".strip())
    if op.kind == "penalty_revoke":
        return ("penalty", a.get("penalty_id", ""), "revoked", "")
    if op.kind == "event":
        number, details = a.get("number"), a.get("details", "")
        return ("event", a.get("event_type", ""), str(a.get("sector_id") or ""),
                f"car {number}; {details}" if number else details)
    if op.kind == "pit_msg":
        return ("pit", a.get("box_id", ""), a.get("action", ""), a.get("note", ""))
    return None


def _short(value) -> str:
    if isinstance(value, dict):
        return "aborted" if value.get("aborted") else "sequence"
    return str(value).lower() if isinstance(value, bool) else str(value)


def rows(ops: list[Op]) -> list[dict]:
    out = []
    for op in ops:
        described = _describe(op)
        if described is None:
            continue
        ms = wall_ms(op.hlc)
        out.append(dict(zip(COLUMNS, (
            ms, datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds"),
            op.node, *described))))
    return out


def to_csv(log_rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS)
    writer.writeheader()
    for row in log_rows:
        # A leading = + - @ would be run as a formula by a spreadsheet: neutralise it.
        writer.writerow({k: ("'" + v if isinstance(v, str) and v and v[0] in "=+-@" else v)
                         for k, v in row.items()})
    return buf.getvalue()
