"""Session fixtures of the image tests: one synthetic base image, one tiny wheelhouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from image_support import make_base, make_wheel


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
