"""Every traffic kind of scripts/make_test_videos.py through the real service (models, decoder, tracker):
each vehicle reported once, none merged with another, plates read (scripts/measure_video.py gives the figures)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from scripts.make_test_videos import KINDS, VideoPlan, make_kind_video
from scripts.measure_video import score_video
from server.bootstrap import Service
from server.video.runner import VideoSummary
from tests.video_fixtures import dev_photos

pytestmark = pytest.mark.slow
# The first dev photos whose plates the reader gets right as stills (the two_vehicles video's).
PHOTOS = 4


def _run(service: Service, plan: VideoPlan) -> dict[str, Any]:
    items = list(service.plane.process_path(plan.path, camera_id="kind"))
    summary = items[-1]
    assert isinstance(summary, VideoSummary)
    return score_video(plan, [asdict(v) for v in summary.vehicles])


@pytest.mark.parametrize("kind", KINDS)
def test_each_vehicle_is_reported_once(service: Service, kind: str, tmp_path: Path) -> None:
    photos = dev_photos(2 if kind == "gate_stop" else PHOTOS)
    plan = make_kind_video(kind, photos, tmp_path / f"{kind}.mp4", size=(960, 540), seed=7)
    scored = _run(service, plan)
    vehicles = len(plan.vehicles)
    assert scored["reported"] == vehicles, scored["rows"]  # no vehicle merged into another's track
    assert scored["twice"] == 0, scored["rows"]  # none split into two reports
    assert scored["events_junk"] == 0, scored["unmatched"]
    # Reading is the reader's part (figures per kind in the README); tracking must not lose the reads it gets.
    assert scored["exact"] >= vehicles // 2, scored["rows"]
