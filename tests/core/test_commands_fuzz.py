"""Any request to any command either succeeds or is refused with a ValidationError naming
a field; never another exception (which the API would turn into a 500)."""

import asyncio
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from appliance import config
from appliance.commands import COMMANDS
from appliance.errors import ValidationError
from appliance.passwords import Passwords
from appliance.replica import Replica

FIELDS = ["flag", "sector_id", "marshal_intervene", "active", "in_this_lap", "number",
          "firstName", "lastName", "assign", "target_number", "penalty_type",
          "amount_seconds", "reason", "who_hit", "contact_person", "comment", "penalty_id",
          "event_type", "details", "box_id", "password", "current_password", "action", "note",
          "kind", "host", "device_id", "version", "panel"]
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["", "1", "0", "yellow", "black-checkered", "7", "0007", "12345", "time",
                     "time_plus", "stop_go", "debris", "pit_in", "sector", "B1", "s3cret",
                     "nan", "inf", "-5", "1e9", " 2 ", "\x00", "<script>"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(),
                                                         max_size=2))
REQUEST = st.tuples(st.sampled_from(sorted(COMMANDS)),
                    st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=8))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests=st.lists(REQUEST, min_size=1, max_size=12))
def test_every_command_refuses_bad_input_cleanly(requests, monkeypatch_passwords):
    async def run(data_dir):
        replica = Replica(config.load(None, {"node": {"data_dir": data_dir}}))
        await replica.open()
        try:
            await replica.execute("register_pilot", {"firstName": "A", "lastName": "B",
                                                     "number": "7"})
            for name, params in requests:
                try:
                    await replica.execute(name, params)
                except ValidationError as exc:
                    assert exc.field and exc.message and 400 <= exc.status < 500
            replica.public_state()
        finally:
            await replica.close()
    with tempfile.TemporaryDirectory() as data_dir:
        asyncio.run(run(data_dir))


@pytest.fixture(scope="module")
def monkeypatch_passwords():
    """Cheap bcrypt and no failure delay: the fuzzing is about validation, not cost."""
    saved = Passwords.rounds, Passwords.first_delay_s
    Passwords.rounds, Passwords.first_delay_s = 4, 0.0
    yield
    Passwords.rounds, Passwords.first_delay_s = saved
