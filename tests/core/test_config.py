"""Config: layered, validated, every error at once."""

import subprocess
import sys

import pytest

from appliance import config
from support import ROOT


def test_defaults_are_valid_and_overrides_win(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[node]\nrole = "sector"\nsector = 2\n[race]\nsectors = 5\n')
    cfg = config.load(str(f), {"node": {"sector": 4}})
    assert (cfg.role, cfg.sector, cfg["race"]["sectors"]) == ("sector", 4, 5)
    assert cfg["mesh"]["broadcast"] == "127.255.255.255"  # the default stays on loopback


def test_every_error_is_reported_at_once_with_suggestions(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('[node]\nrole = "sectr"\n[race]\nsector = 3\n[hw]\nbrightness = "high"\n'
                 '[meshh]\nx = 1\n')
    with pytest.raises(config.ConfigError) as err:
        config.load(str(f))
    text = "\n".join(err.value.errors)
    assert "unknown key race.sector (did you mean 'sectors'?)" in text
    assert "hw.brightness must be float" in text
    assert "unknown section [meshh] (did you mean 'mesh'?)" in text


def test_semantic_checks(tmp_path):
    with pytest.raises(config.ConfigError) as err:
        config.load(None, {"node": {"role": "sector", "sector": 9}, "race": {"sectors": 70}})
    assert len(err.value.errors) >= 1
    with pytest.raises(config.ConfigError) as err:
        config.load(None, {"node": {"role": "sector", "sector": 4}})
    assert "node.sector must be 1..3" in err.value.errors[0]


def test_raceflags_config_prints_the_effective_config_and_rejects_bad_files(tmp_path):
    out = subprocess.run([sys.executable, "-m", "appliance.cli", "config", "--role", "semaphore"],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert 'role = "semaphore"' in out and "[mesh]" in out
    import tomllib
    assert tomllib.loads(out)["node"]["role"] == "semaphore"
    bad = tmp_path / "bad.toml"
    bad.write_text("[node\n")
    res = subprocess.run([sys.executable, "-m", "appliance.cli", "run", "--config", str(bad)],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 2 and "not valid TOML" in res.stderr
