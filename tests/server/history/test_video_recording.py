"""Video FINAL events are recorded in the read history: one read per vehicle whose plate was read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from scripts.make_test_videos import VideoPlan
from server.bootstrap import Service, build_service
from server.history.records import ReadQuery
from server.history.video_reads import event_read
from server.video.events import EventKind, TrackEvent, VehicleReport
from server.video.runner import VideoSummary
from tests.conftest import make_settings

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def report(plate: str, valid: bool = True) -> VehicleReport:
    return VehicleReport(track_id=4, plate_number=plate, confidence=0.9, votes=5, frames_seen=9, first_seen_s=1.0,
                         last_seen_s=3.0, vehicle_class="car", direction="approaching", candidates=((plate, 1.0),),
                         plate_region_code="B", best_plate_image_path="p.jpg", best_vehicle_image_path="v.jpg",
                         box=(1, 2, 30, 40), plate_valid=valid)


def test_only_final_events_with_a_plate_become_reads() -> None:
    final = TrackEvent(EventKind.FINAL, 3.0, "gate-1", report("B 1234 CD"))
    read = event_read(final, read_at=NOW, camera_ids={"gate-1"})
    assert read is not None
    assert (read.source, read.camera_id, read.track_id, read.plate_number) == ("camera", "gate-1", "4", "B 1234 CD")
    assert read.plate_valid and read.vehicle_box == (1, 2, 30, 40) and read.plate_image_path == "p.jpg"
    assert event_read(TrackEvent(EventKind.NEW, 1.0, "gate-1", report("B 1234 CD")), read_at=NOW,
                      camera_ids=()) is None
    assert event_read(TrackEvent(EventKind.FINAL, 3.0, "video", report("")), read_at=NOW, camera_ids=()) is None
    upload = event_read(TrackEvent(EventKind.FINAL, 3.0, "video", report("MITSUBIS", valid=False)), read_at=NOW,
                        camera_ids=())
    assert upload is not None and upload.source == "video" and upload.camera_id == "" and not upload.plate_valid
    # The validity is the session's (the winning reads' verdict), carried into the history, not recomputed.
    carried = event_read(TrackEvent(EventKind.FINAL, 3.0, "video", report("B 1234 CD", valid=False)), read_at=NOW,
                         camera_ids=())
    assert carried is not None and not carried.plate_valid


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    svc = build_service(make_settings(tmp_path_factory.mktemp("video-history")))
    yield svc
    svc.close()


def test_a_processed_video_records_each_read_vehicle_once(service: Service, two_vehicles: VideoPlan) -> None:
    assert service.history is not None
    out = list(service.plane.process_path(two_vehicles.path, camera_id="lane-2"))
    summary = out[-1]
    assert isinstance(summary, VideoSummary)
    read_plates = [v.plate_number for v in summary.vehicles if v.plate_number]
    assert read_plates, "the test video's plates should be read"
    recorded = service.history.store.search(ReadQuery(camera_id="lane-2", limit=100)).reads
    assert sorted(r.read.plate_number for r in recorded) == sorted(read_plates)
    assert all(r.read.source == "video" and r.read.track_id for r in recorded)
