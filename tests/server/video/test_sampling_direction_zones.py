"""Frame sampling, direction of travel, region-of-interest and exclusion polygons."""

from __future__ import annotations

import pytest

from server.domain import Box
from server.video.direction import direction
from server.video.sampling import FrameSampler
from server.video.zones import Zones


def test_sampling_keeps_the_asked_rate() -> None:
    sampler = FrameSampler(5.0)
    kept = [i for i in range(100) if sampler(i / 25.0)]  # 4 s of 25 fps video
    assert len(kept) == 20
    assert kept[:3] == [0, 5, 10]


def test_sampling_zero_keeps_every_frame_and_a_gap_restarts_the_grid() -> None:
    assert all(FrameSampler(0)(i / 10) for i in range(20))
    sampler = FrameSampler(2.0)
    assert sampler(0.0) and not sampler(0.1) and sampler(0.5)
    assert sampler(10.0)  # after a stall: the next frame is taken at once
    assert not sampler(10.2) and sampler(10.5)


@pytest.mark.parametrize(("first", "last", "expected"), [
    (Box(600, 100, 700, 180), Box(500, 300, 800, 540), "approaching"),
    (Box(500, 300, 800, 540), Box(600, 100, 700, 180), "leaving"),
    (Box(100, 300, 300, 450), Box(700, 310, 905, 460), "right"),
    (Box(700, 300, 900, 450), Box(100, 300, 300, 450), "left"),
    (Box(100, 300, 300, 450), Box(110, 302, 312, 452), "stationary"),
])
def test_direction(first: Box, last: Box, expected: str) -> None:
    assert direction(first, last) == expected


def test_zones() -> None:
    everything = Zones()
    assert everything.admits(Box(0, 0, 10, 10))
    roi = Zones(roi=((0, 0), (640, 0), (640, 360), (0, 360)), exclude=(((0, 0), (200, 0), (200, 200), (0, 200)),))
    assert roi.admits(Box(300, 100, 400, 200))
    assert not roi.admits(Box(700, 400, 800, 500))  # outside the ROI
    assert not roi.admits(Box(50, 50, 100, 100))  # inside the exclusion
