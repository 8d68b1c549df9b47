"""The image's options: checked all at once, addresses unique, secrets never fixed."""

from __future__ import annotations

import ipaddress
import stat

import pytest

from appliance.config import load
from image.build import parse_settings
from image.spec import ImageSpec, plan, raceflags_toml, validate
from image.track import TrackError, TrackSecrets, load as load_track, passphrase, save

KEY = "ab" * 32


def test_a_good_sector_post_passes():
    assert validate(ImageSpec(role="sector", sector="2"), KEY) == []


def test_a_bad_config_is_rejected_with_all_its_errors_at_once():
    spec = ImageSpec(role="marshal", sector="99", ssid="R" * 33, ap_passphrase="short",
                     ap=True, settings={"hw": {"brightness": 3.0}})
    errors = validate(spec, KEY)
    text = "\n".join(errors)
    assert "role must be one of control, sector, semaphore, repeater" in text
    assert "ssid must be 1..32 bytes, got 33" in text
    assert "ap passphrase must be 8..63" in text
    assert "sector must be 0..3, got 99" in text
    assert "hw.brightness must be 0.0..1.0" in text
    assert len(errors) == 5


@pytest.mark.parametrize("spec, expected", [
    (ImageSpec(role="sector", sector="0"), "sector must be 1..3"),
    (ImageSpec(role="sector", sector="4", sectors=3), "sector must be 1..3"),
    (ImageSpec(role="sector", sector=""), "sector must be 1..3"),
    (ImageSpec(role="sector", sector="two"), "sector must be a number"),
    (ImageSpec(role="sector", sector="1", sectors=65), "race.sectors must be 1..64"),
    (ImageSpec(role="", sector="1"), "role must be one of"),
    (ImageSpec(role="repeater", index=0), "index must be 1..49"),
    (ImageSpec(role="control", ap_security="wep"), "ap security must be one of"),
    (ImageSpec(role="control", ap_passphrase="é" * 10), "printable ASCII"),
    (ImageSpec(role="control", ap_channel=14), "ap channel must be"),
    (ImageSpec(role="control", ap_channel=1, mesh_channel=1), "must differ"),
    (ImageSpec(role="control", ap_iface="wlan0"), "two radios"),
    (ImageSpec(role="control", country="uk"), "country must be"),
    (ImageSpec(role="control", mesh_iface="wlan 0"), "mesh iface must be"),
    (ImageSpec(role="control", eth_mode="trunk"), "eth mode must be"),
    (ImageSpec(role="control", subnet="8.8.0.0/16"), "private /16"),
    (ImageSpec(role="control", subnet="10.42.0.0/24"), "private /16"),
    (ImageSpec(role="control", control_name="race"), "control name"),
    (ImageSpec(role="control", node_id="no spaces"), "node.id must be"),
    (ImageSpec(role="control", settings={"mesh": {"bogus": 1}}), "unknown key mesh.bogus"),
])
def test_each_bad_option_is_named(spec, expected):
    assert any(expected in e for e in validate(spec, KEY)), validate(spec, KEY)


def test_the_node_config_is_what_the_appliance_loads(tmp_path):
    spec = ImageSpec(role="sector", sector=5, sectors=8, settings={"hw": {"led_count": 120}})
    path = tmp_path / "raceflags.toml"
    path.write_text(raceflags_toml(spec, plan(spec), KEY))
    config = load(str(path))
    assert (config.role, config.sector, config["race"]["sectors"]) == ("sector", 5, 8)
    assert config["mesh"]["mesh_key"] == KEY
    assert config["mesh"]["broadcast"] == "10.42.255.255"  # the bridge's, not loopback's
    assert config["hw"]["led_count"] == 120
    assert config["node"]["id"] == "sector-5"


def test_addresses_and_phone_pools_never_overlap_on_one_track():
    specs = ([ImageSpec(role="control")]
             + [ImageSpec(role="sector", sector=k, sectors=64) for k in range(1, 65)]
             + [ImageSpec(role=r, index=i) for r in ("semaphore", "repeater")
                for i in range(1, 50)])
    plans = [plan(s) for s in specs]
    addresses = [p.address.ip for p in plans]
    pools = [(int(p.dhcp_first), int(p.dhcp_last)) for p in plans]
    assert len(set(addresses)) == len(addresses)
    assert all(ipaddress.IPv4Address(a) in ipaddress.IPv4Network("10.42.0.0/24")
               for a in addresses)
    ranges = sorted(pools)
    pairs = zip(ranges, ranges[1:], strict=False)
    assert all(a_last < b_first for (_, a_last), (b_first, _) in pairs)
    assert all(first >> 8 != int(ipaddress.IPv4Address("10.42.0.0")) >> 8
               for first, _ in pools)  # no phone lease among the nodes' own addresses
    assert plan(ImageSpec(role="control")).address.ip == plans[0].control_address


def test_generated_passphrases_are_fresh_and_typeable():
    phrases = {passphrase() for _ in range(50)}
    assert len(phrases) == 50
    for phrase in phrases:
        assert len(phrase) == 23 and 8 <= len(phrase) <= 63
        assert set(phrase) <= set("abcdefghijkmnpqrstuvwxyz23456789-")


def test_track_secrets_are_made_once_private_and_reused(tmp_path):
    path = tmp_path / "cfg" / "track.toml"
    assert load_track(path) is None
    made = TrackSecrets.generate()
    save(path, made)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_track(path) == made
    assert len(made.mesh_key) == 64 and TrackSecrets.generate() != made
    with pytest.raises(FileExistsError):
        save(path, TrackSecrets.generate())  # a track's file is never overwritten


def test_a_damaged_track_file_is_refused(tmp_path):
    path = tmp_path / "track.toml"
    path.write_text('mesh_key = "short"\nmesh_ssid = ""\nmesh_passphrase = "x"\n')
    with pytest.raises(TrackError) as err:
        load_track(path)
    assert "mesh_key" in str(err.value) and "mesh_ssid" in str(err.value)
    assert "mesh_passphrase" in str(err.value)


def test_set_takes_toml_values_and_names_malformed_ones():
    settings, errors = parse_settings(["hw.led_count=120", "hw.layout=matrix",
                                       "mesh.static_peers=['10.42.0.1:1080']", "oops"])
    assert settings == {"hw": {"led_count": 120, "layout": "matrix"},
                        "mesh": {"static_peers": ["10.42.0.1:1080"]}}
    assert errors == ["--set 'oops': expected SECTION.KEY=VALUE"]
