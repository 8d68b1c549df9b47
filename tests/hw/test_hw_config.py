"""The [hw] and [buttons] keys: valid configs load, every mistake is reported at once."""

import pytest

from appliance import config as config_mod


def load(**sections):
    return config_mod.load(overrides=sections)


def errors_of(**sections):
    with pytest.raises(config_mod.ConfigError) as info:
        load(**sections)
    return info.value.errors


def test_sector_post_and_start_gantry_samples_load():
    post = load(node={"role": "sector", "sector": 2},
                hw={"driver": "ws281x", "layout": "matrix", "width": 32, "height": 8,
                    "matrix_order": "columns", "supply_amps": 10.0},
                buttons={"intervene_pin": 17, "ack_pin": 27, "buzzer_pin": 22,
                         "status_led_pin": 23})
    assert post["hw"]["matrix_order"] == "columns"
    gantry = load(node={"role": "semaphore"},
                  hw={"driver": "relay", "semaphore_mode": "start",
                      "relay_pins": {"red1": 5, "red2": 6, "red3": 12, "red4": 13,
                                     "red5": 16, "orange": 19},
                      "flash_overrides": {"aborted": [400, 400]}})
    assert gantry["hw"]["relay_pins"]["red5"] == 16


def test_hw_mistakes_are_all_reported():
    errors = errors_of(hw={"semaphore_mode": "pitexit", "matrix_order": "diagonal",
                           "flash_overrides": {"yelow": [1, 1], "fcy": [100]},
                           "relay_pins": {"red6": 5, "green": 40}, "fps": 0},
                       buttons={"intervene_pin": 17, "ack_pin": 17, "long_press_s": 0.01})
    text = "\n".join(errors)
    for needle in ("semaphore_mode", "matrix_order", "did you mean 'yellow'",
                   "hw.flash_overrides.fcy", "unknown lamp group 'red6'",
                   "relay_pins.green must be", "hw.fps", "both use GPIO17",
                   "long_press_s"):
        assert needle in text, needle


def test_data_pin_clashing_with_a_button():
    assert any("GPIO18" in e for e in errors_of(hw={"driver": "ws281x"},
                                                buttons={"buzzer_pin": 18}))


def test_matrix_needs_a_size():
    assert any("hw.width" in e for e in errors_of(hw={"layout": "matrix"}))
