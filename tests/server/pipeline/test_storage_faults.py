"""A read-only or full output root loses the artefacts, never the read; health says degraded."""

from __future__ import annotations

from pathlib import Path

from server.bootstrap import Service, utc_now
from server.config import OutputSettings
from server.pipeline.dataplane import AlprPipeline
from server.pipeline.result_document import pipeline_document
from server.pipeline.results import ImageRequest
from server.pipeline.system import SystemStatus
from server.storage.artefacts import ArtefactStore, OutputDirs
from tests.conftest import data_set, labels
from tests.reliability.mounts import remount_read_only, tmpfs


def pipeline_on(service: Service, root: Path) -> tuple[AlprPipeline, SystemStatus]:
    store = ArtefactStore(OutputDirs.from_settings(OutputSettings(), root), save_images=True)
    p = service.analyzer
    pipeline = AlprPipeline(service.settings, p, store=store, now=utc_now)
    system = SystemStatus(vehicle_detector=p.vehicle_detector, plate_detector=p.plate_detector, gemini=None,
                          local_ocr=p.ocr, model_paths={}, load_errors={}, now=utc_now,
                          storage=lambda: store.report(min_free_bytes=64 << 10))
    return pipeline, system


def photo() -> bytes:
    record = labels("openalpr-us")[0]
    return bytes((data_set("openalpr-us") / record["image"]).read_bytes())


def test_read_only_root_still_answers_the_read(service: Service, tmp_path: Path) -> None:
    content = photo()
    with tmpfs(tmp_path / "ro") as root:
        pipeline, system = pipeline_on(service, root)
        remount_read_only(root)
        out = pipeline.process(ImageRequest(content=content, file_name="car.jpg"))
        assert any(d.plate is not None and d.plate.reading and d.plate.reading.plate_number for d in out.detections)
        assert out.uploaded_image_path == "" and out.results_path == ""
        document = pipeline_document(out)
        assert "not saved" in document["storage_warning"]
        health = system.health()
        assert health.healthy and health.status == "degraded"
        assert any(i.startswith("storage: output root not writable") for i in health.issues)
        vehicles = pipeline.detect_vehicles(ImageRequest(content=content, file_name="car.jpg"))
        assert vehicles.detections and vehicles.storage_warning and vehicles.crop_paths == [""] * len(
            vehicles.detections)


def test_full_disk_never_leaves_an_empty_results_file(service: Service, tmp_path: Path) -> None:
    content = photo()
    with tmpfs(tmp_path / "full", size_kib=3072) as root:
        pipeline, system = pipeline_on(service, root)
        outs = [pipeline.process(ImageRequest(content=content, file_name=f"{i}.jpg")) for i in range(10)]
        assert all(o.detections for o in outs)  # every read answered
        failed = [o for o in outs if o.storage_warning]
        assert failed, "3 MiB should fill within 10 photos"
        results = list((root / "images_processed" / "results").iterdir())
        assert results and all(p.stat().st_size > 0 for p in results)  # no 0-byte results JSON
        assert not [p for d in pipeline.store.dirs.all() for p in d.iterdir() if p.name.endswith(".tmp")]
        assert system.health().status == "degraded"
