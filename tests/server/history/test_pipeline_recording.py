"""The real pipeline records its reads from its save step; keep_images=watchlist; a broken history fails no image."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.bootstrap import Service, build_service
from server.history import migrate
from server.history.records import NewWatchEntry, ReadQuery
from server.pipeline.results import ImageRequest
from tests.conftest import data_set, labels, make_settings


def photo() -> ImageRequest:
    record = labels("openalpr-us")[0]
    return ImageRequest((data_set("openalpr-us") / record["image"]).read_bytes(), record["image"],
                        request_id="req-7", camera_id="gate-3")


@pytest.fixture(scope="module")
def watchlist_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    base = tmp_path_factory.mktemp("keep")
    service = build_service(make_settings(base, GALAXY_ALPR__HISTORY__KEEP_IMAGES="watchlist"))
    yield service
    service.close()


def images_under(root: Path) -> list[Path]:
    return list(root.rglob("*.jpg"))


def test_reads_are_recorded_and_unlisted_photos_keep_no_image(watchlist_only: Service) -> None:
    assert watchlist_only.history is not None
    store = watchlist_only.history.store
    root = watchlist_only.pipeline.store.dirs.root
    out = watchlist_only.pipeline.process(photo())
    plates = [d.plate.reading.plate_number for d in out.detections
              if d.plate is not None and d.plate.reading is not None and d.plate.reading.plate_number]
    assert plates
    assert out.uploaded_image_path == "" and images_under(root) == []
    reads = store.search(ReadQuery(plate=plates[0])).reads
    assert len(reads) == 1
    assert reads[0].read.request_id == "req-7" and reads[0].read.camera_id == "gate-3"
    assert reads[0].read.evidence_image_path == "" and reads[0].read.vehicle_class

    store.add_watch_entry(NewWatchEntry(plates[0]))
    listed = watchlist_only.pipeline.process(photo())
    assert listed.uploaded_image_path and images_under(root)
    newest = store.search(ReadQuery(plate=plates[0])).reads[0]
    assert newest.read.evidence_image_path == listed.detected_plate_image_path
    assert len(store.list_alerts()) == 1


def test_a_broken_history_does_not_fail_the_image(tmp_path: Path) -> None:
    service = build_service(make_settings(tmp_path))
    try:
        assert service.history is not None
        migrate.downgrade(service.history.store.engine, "base")  # the tables are gone
        out = service.pipeline.process(photo())
        assert out.detections and out.uploaded_image_path
    finally:
        service.close()
