"""A YOLO detector running an ONNX file with onnxruntime; one shared session per model."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from server.config import RuntimeSettings
from server.detection import postprocess
from server.detection.letterbox import LetterboxParams, letterbox, to_input_tensor
from server.detection.providers import GPU_PROVIDERS, choose_providers
from server.domain import Box, Detection, Image
from server.errors import ConfigError, InvalidInputError, ModelUnavailableError
from server.models import metadata as meta
from server.models.export import sha256_file

DEFAULT_IMGSZ = 640
DEFAULT_STRIDE = 32
PREPARE_HINT = "run `python -m server.models.prepare`"


@dataclass(frozen=True)
class ModelInfo:
    """What a loaded detector is: file, classes served (after the filter), input and provenance."""

    path: Path
    classes: dict[int, str]
    imgsz: tuple[int, int]
    stride: int
    source: str
    sha256: str
    providers: tuple[str, ...]
    dynamic_batch: bool
    io_binding: bool = False


@dataclass(frozen=True)
class Timing:
    """Milliseconds spent by one detect call, per stage."""

    preprocess_ms: float
    inference_ms: float
    postprocess_ms: float
    images: int

    @property
    def total_ms(self) -> float:
        """All stages together."""
        return self.preprocess_ms + self.inference_ms + self.postprocess_ms


def _is_dim_dynamic(dim: Any) -> bool:
    return not isinstance(dim, int)


def _check_image(image: Image) -> None:
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        shape = getattr(image, "shape", None)
        raise InvalidInputError(f"expected a BGR uint8 image of shape (h, w, 3), got {shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise InvalidInputError("image is empty")


class OnnxDetector:
    """Letterbox, ONNX inference and NMS for one YOLO detection model; safe to share across threads."""

    def __init__(
        self,
        path: Path | str,
        *,
        runtime: RuntimeSettings | None = None,
        class_filter: Sequence[str] | None = None,
        auto_pad: bool = False,
        available_providers: Sequence[str] | None = None,
    ) -> None:
        self._path = Path(path)
        if not self._path.is_file():
            raise ModelUnavailableError(f"model file not found: {self._path}; {PREPARE_HINT}")
        runtime = runtime or RuntimeSettings()
        providers = choose_providers(
            ort.get_available_providers() if available_providers is None else available_providers,
            runtime.execution_providers,
        )
        options = ort.SessionOptions()
        options.intra_op_num_threads = runtime.intra_op_threads
        options.inter_op_num_threads = runtime.inter_op_threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Spinning worker threads burn the cores other sessions and requests need (measured in bench/).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(str(self._path), sess_options=options, providers=providers)
        except Exception as exc:
            raise ModelUnavailableError(f"cannot load {self._path}: {exc}; {PREPARE_HINT}") from exc
        self._input = self._session.get_inputs()[0]
        self._dtype = np.float16 if self._input.type == "tensor(float16)" else np.float32
        batch, _, height, width = self._input.shape
        self._dynamic_batch = _is_dim_dynamic(batch)
        if not self._dynamic_batch and batch != 1:
            raise ModelUnavailableError(f"{self._path}: fixed batch {batch} unsupported; export batch 1 or dynamic")
        self._dynamic_shape = _is_dim_dynamic(height) or _is_dim_dynamic(width)
        if auto_pad and not self._dynamic_shape:
            raise ConfigError(f"{self._path}: auto padding needs a model with a dynamic input size")
        self._auto_pad = auto_pad
        active = self._session.get_providers()
        # I/O binding: the input is copied to the device once and the output read back once per run.
        self._bind = runtime.io_binding == "on" or (runtime.io_binding == "auto" and active[0] in GPU_PROVIDERS)
        self._device = "cuda" if active[0] in GPU_PROVIDERS else "cpu"
        self._output_name = self._session.get_outputs()[0].name
        self._info, self._all_names = self._read_info(class_filter, (height, width))
        self._class_ids = None if class_filter is None else frozenset(self._info.classes)

    def _read_info(
        self, class_filter: Sequence[str] | None, input_hw: tuple[Any, Any]
    ) -> tuple[ModelInfo, dict[int, str]]:
        props = dict(self._session.get_modelmeta().custom_metadata_map)
        try:
            names = meta.parse_names(props[meta.NAMES])
            if meta.IMGSZ in props:
                imgsz = meta.parse_imgsz(props[meta.IMGSZ])
            elif not self._dynamic_shape:
                imgsz = (int(input_hw[0]), int(input_hw[1]))
            else:
                imgsz = (DEFAULT_IMGSZ, DEFAULT_IMGSZ)
            stride = int(props.get(meta.STRIDE, DEFAULT_STRIDE))
        except (KeyError, ValueError) as exc:
            raise ModelUnavailableError(f"{self._path} lacks valid metadata ({exc}); {PREPARE_HINT}") from exc
        if props.get(meta.TASK, "detect") != "detect":
            raise ModelUnavailableError(f"{self._path} is a {props[meta.TASK]!r} model, not a detector")
        if not self._dynamic_shape and imgsz != (input_hw[0], input_hw[1]):
            imgsz = (int(input_hw[0]), int(input_hw[1]))
        classes = names
        if class_filter is not None:
            by_name = {name: cid for cid, name in names.items()}
            unknown = [name for name in class_filter if name not in by_name]
            if unknown:
                raise ConfigError(f"classes {unknown} are not in {self._path.name}: {sorted(by_name)}")
            classes = {by_name[name]: name for name in class_filter}
        info = ModelInfo(
            path=self._path,
            classes=dict(sorted(classes.items())),
            imgsz=imgsz,
            stride=stride,
            source=props.get(meta.SOURCE, "unknown"),
            sha256=sha256_file(self._path),
            providers=tuple(self._session.get_providers()),
            dynamic_batch=self._dynamic_batch,
            io_binding=self._bind,
        )
        return info, names

    @property
    def info(self) -> ModelInfo:
        """What this detector is."""
        return self._info

    def warmup(self) -> None:
        """Run once on a blank input so the first real call is not slow."""
        blank = np.zeros((1, 3, *self._info.imgsz), dtype=self._dtype)
        self._session.run(None, {self._input.name: blank})

    def detect(self, image: Image, conf: float, iou: float) -> list[Detection]:
        """Objects in one BGR image, boxes in its pixel coordinates."""
        return self.detect_timed(image, conf, iou)[0]

    def detect_timed(self, image: Image, conf: float, iou: float) -> tuple[list[Detection], Timing]:
        """Like detect, with the time each stage took."""
        batches, timing = self.detect_batch_timed([image], conf, iou)
        return batches[0], timing

    def detect_batch(self, images: Sequence[Image], conf: float, iou: float, *,
                     size: int | None = None) -> list[list[Detection]]:
        """Objects in each image; one inference call when the model has a dynamic batch.

        `size` letterboxes to size x size instead of the model's input size (dynamic-shape models only):
        a small crop, such as a vehicle searched for its plate, needs far less than 640 x 640.
        """
        return self.detect_batch_timed(images, conf, iou, size=size)[0]

    def detect_batch_timed(
        self, images: Sequence[Image], conf: float, iou: float, *, size: int | None = None
    ) -> tuple[list[list[Detection]], Timing]:
        """Like detect_batch, with the time each stage took over the whole batch."""
        if not images:
            return [], Timing(0.0, 0.0, 0.0, 0)
        for image in images:
            _check_image(image)
        if size is not None and not self._dynamic_shape:
            raise ConfigError(f"{self._path}: a per-call input size needs a model with a dynamic input size")
        imgsz = (size, size) if size is not None else self._info.imgsz
        auto = self._auto_pad and len({image.shape for image in images}) == 1
        groups = [list(images)] if self._dynamic_batch else [[image] for image in images]
        results: list[list[Detection]] = []
        pre = infer = post = 0.0
        for group in groups:
            start = time.perf_counter()
            boxed = [letterbox(img, imgsz, auto=auto, stride=self._info.stride) for img in group]
            tensor = to_input_tensor([padded for padded, _ in boxed]).astype(self._dtype, copy=False)
            mid = time.perf_counter()
            output = np.asarray(self._infer(tensor), dtype=np.float32)
            end = time.perf_counter()
            results.extend(self._decode(out, params, conf, iou) for out, (_, params) in zip(output, boxed, strict=True))
            pre, infer, post = pre + mid - start, infer + end - mid, post + time.perf_counter() - end
        return results, Timing(pre * 1e3, infer * 1e3, post * 1e3, len(images))

    def _infer(self, tensor: np.ndarray[Any, Any]) -> Any:
        """The model's first output for one input tensor (through an I/O binding when enabled)."""
        if not self._bind:
            return self._session.run([self._output_name], {self._input.name: tensor})[0]
        binding = self._session.io_binding()
        binding.bind_ortvalue_input(self._input.name, ort.OrtValue.ortvalue_from_numpy(tensor, self._device, 0))
        binding.bind_output(self._output_name, self._device)
        self._session.run_with_iobinding(binding)
        return binding.copy_outputs_to_cpu()[0]

    def _decode(self, output: Any, params: LetterboxParams, conf: float, iou: float) -> list[Detection]:
        nc = len(self._all_names)
        if output.ndim == 2 and output.shape[0] == 4 + nc:
            raw = postprocess.decode(output, conf, iou, classes=self._class_ids)
        elif output.ndim == 2 and output.shape[1] == 6:
            raw = postprocess.decode_end2end(output, conf, classes=self._class_ids)
        else:
            raise ModelUnavailableError(f"{self._path}: unexpected output shape {output.shape} for {nc} classes")
        raw = postprocess.scale_to_original(raw, params)
        boxes = postprocess.to_int_boxes(raw.boxes)
        return [
            Detection(
                box=Box(int(b[0]), int(b[1]), int(b[2]), int(b[3])),
                confidence=float(score),
                class_id=int(cid),
                class_name=self._all_names.get(int(cid), str(int(cid))),
            )
            for b, score, cid in zip(boxes, raw.scores, raw.class_ids, strict=True)
        ]
