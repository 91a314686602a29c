"""A tracking session over a real encoded video with the real models: the event rules."""

from __future__ import annotations

from scripts.make_test_videos import VideoPlan
from server.bootstrap import Service
from server.config import VideoSettings
from server.video.decode import VideoReader
from server.video.events import EventKind, TrackEvent
from server.video.runner import VideoSummary, run_video
from server.video.session import SessionOptions, VideoSession
from server.video.zones import Zones


def _run(service: Service, plan: VideoPlan, video: VideoSettings, zones: Zones | None = None,
         ) -> tuple[list[TrackEvent], VideoSummary]:
    reader = VideoReader.from_path(plan.path, service.plane.limits)
    options = SessionOptions(video, reader.info.fps, service.settings.detection.vehicle_classes, zones or Zones())
    session = VideoSession(service.analyzer, options)
    items = list(run_video(reader, session, video.sample_fps))
    summary = items[-1]
    assert isinstance(summary, VideoSummary)
    return [i for i in items if isinstance(i, TrackEvent)], summary


def test_final_comes_by_the_prediction_delay_and_nothing_follows_it(service: Service, two_vehicles: VideoPlan) -> None:
    video = VideoSettings(max_prediction_delay_s=1.0)
    events, summary = _run(service, two_vehicles, video)
    finals = {e.vehicle.track_id: e for e in events if e.kind is EventKind.FINAL}
    assert finals and len(finals) == len([e for e in events if e.kind is EventKind.FINAL])
    step = 1.0 / video.sample_fps
    for track_id, final in finals.items():
        # The vehicles are in view for about 2.4 s: the delay, not the loss, ends their tracks.
        assert final.t_s <= final.vehicle.first_seen_s + video.max_prediction_delay_s + step + 1e-6
        later = [e for e in events if e.vehicle.track_id == track_id and e.t_s > final.t_s]
        assert later == []
    assert {v.track_id for v in summary.vehicles} == set(finals)
    news = [e.vehicle.track_id for e in events if e.kind is EventKind.NEW]
    assert len(news) == len(set(news))
    for e in events:
        if e.kind is EventKind.UPDATE:
            assert e.vehicle.track_id in news  # UPDATE only after NEW


def test_an_exclusion_zone_over_the_frame_hides_every_vehicle(service: Service, two_vehicles: VideoPlan) -> None:
    everything = ((0.0, 0.0), (640.0, 0.0), (640.0, 360.0), (0.0, 360.0))
    events, summary = _run(service, two_vehicles, VideoSettings(sample_fps=2.0), Zones(exclude=(everything,)))
    assert events == [] and summary.vehicles == ()
    assert summary.frames_processed > 0
