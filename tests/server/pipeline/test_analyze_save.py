"""The pipeline's pure analysis step (a decoded frame in, no file touched) and its save step."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from server.bootstrap import Service
from server.domain import Image
from server.pipeline.result_document import pipeline_document
from server.pipeline.results import ImageRequest
from tests.conftest import data_set, labels


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _photo() -> tuple[str, bytes]:
    record = labels("openalpr-us")[0]
    return record["image"], (data_set("openalpr-us") / record["image"]).read_bytes()


def _frame(content: bytes) -> Image:
    frame = cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_COLOR)
    assert frame is not None
    return np.ascontiguousarray(frame, dtype=np.uint8)


def test_analyze_reads_a_frame_and_writes_nothing(service: Service) -> None:
    _name, content = _photo()
    frame = _frame(content)
    root = service.pipeline.store.dirs.root
    before = _files(root)
    analysis = service.analyzer.analyze(frame)
    assert _files(root) == before
    assert (analysis.width, analysis.height) == (frame.shape[1], frame.shape[0])
    assert analysis.vehicles and analysis.plates
    assert len(analysis.readings) == len(analysis.plates)
    assert any(r.plate_number for r in analysis.readings)
    t = analysis.times
    assert t.vehicle_detection_ms > 0 and t.plate_detection_ms > 0 and t.plate_recognition_ms > 0
    assert t.saving_ms == 0 and t.decode_ms == 0
    detections = analysis.detections()
    assert [d.detection_id for d in detections] == list(range(1, len(analysis.pairs) + 1))
    assert all(d.vehicle is None or d.vehicle.image_path == "" for d in detections)
    assert any(d.detection_type == "vehicle_with_plate" for d in detections)


def test_process_is_analysis_then_save(service: Service) -> None:
    name, content = _photo()
    analysis = service.analyzer.analyze(_frame(content))
    out = service.pipeline.process(ImageRequest(content=content, file_name=name))
    assert [d.plate.detection.box for d in out.detections if d.plate] == [
        d.plate.detection.box for d in analysis.detections() if d.plate]
    assert [d.plate.reading for d in out.detections if d.plate] == [
        d.plate.reading for d in analysis.detections() if d.plate]
    assert out.times.saving_ms > 0 and out.times.total_ms >= out.times.saving_ms
    saved = json.loads((Path(service.settings.base_dir) / out.results_path).read_text("utf-8"))
    assert saved.pop("original_filename") == name
    assert saved == json.loads(json.dumps(out.document)) == json.loads(json.dumps(pipeline_document(out)))
    for d in out.detections:
        if d.plate is not None:
            assert (Path(service.settings.base_dir) / d.plate.image_path).is_file()
