"""Small real videos, encoded by PyAV from the real photos of ../shared/data (skips when absent).

Loaded for every test through `pytest_plugins` in tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.make_test_videos import Photo, VideoPlan, load_photos, make_video
from tests.conftest import SHARED_DATA, data_set

DEV_SET = "indonesia-exchioz"


def dev_photos(count: int, start: int = 0) -> list[Photo]:
    """The first photos of the dev Indonesian set (skips when the set is absent)."""
    data_set(DEV_SET)
    return load_photos(DEV_SET, SHARED_DATA)[start:start + count]


@pytest.fixture(scope="session")
def two_vehicles(tmp_path_factory: pytest.TempPathFactory) -> VideoPlan:
    """Two vehicles approaching one after the other, 640x360, 10 fps, H.264 in MP4."""
    out = tmp_path_factory.mktemp("videos")
    return make_video(dev_photos(2), out / "two.mp4", fps=10, size=(640, 360), approach_s=2.0, seed=3)


def small_video(path: Path, *, size: tuple[int, int] = (320, 240), seconds: float = 1.0) -> VideoPlan:
    """One vehicle in a short low-resolution video (the container follows the suffix)."""
    return make_video(dev_photos(1), path, fps=10, size=size, approach_s=seconds, exit_s=0.2, gap_s=(0.2, 0.2))
