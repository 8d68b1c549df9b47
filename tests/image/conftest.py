"""Session fixtures of the image tests: one synthetic base image, one tiny wheelhouse."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The builder is not part of the installed package: import it from the checkout, also
# when pytest is started as a script rather than with `python -m pytest`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from image_support import make_base, make_wheel  # noqa: E402


@pytest.fixture(scope="session")
def base_image(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("base")
    return make_base(tmp / "raspios-lite.img", tmp / "skeleton")


@pytest.fixture(scope="session")
def wheels(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    make_wheel(folder, "raceflags")
    make_wheel(folder, "microdot", "2.7.0")
    return folder
