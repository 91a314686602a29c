"""Our own plate recognizer (models/plate_recognizer.onnx): one batched ONNX run, CTC greedy decoding.

The network reads the number row and the validity-date row of a plate crop in two CTC heads.
Everything it needs to interpret its outputs (alphabets, input size) comes from the ONNX metadata.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from server.domain import CharConfidence, Image, OcrRead
from server.errors import ModelUnavailableError
from server.ocr.base import ProviderStatus, reader_errors
from server.ocr.candidates import alternatives
from server.ocr.ctc import greedy_decode
from server.ocr.ppocr_rec import RecText, make_session
from server.ocr.recognizer_input import batch_input

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "plate_recognizer.onnx"
REQUIRED_METADATA = ("alphabet", "date_alphabet", "input_size")


@dataclass(frozen=True)
class RecognizerOptions:
    """Tuning knobs of the recognizer provider."""

    max_candidates: int = 5
    candidate_below: float = 0.9  # positions under this probability offer their runner-up character
    max_batch: int = 64  # crops per ONNX run


@dataclass(frozen=True)
class RecognizerModel:
    """What the ONNX metadata says about the model."""

    alphabet: str
    date_alphabet: str
    height: int
    width: int
    version: str
    training_data_hash: str


def read_metadata(meta: dict[str, str], path: Path) -> RecognizerModel:
    """Parse the model's metadata_props; ModelUnavailableError when a required key is missing."""
    missing = [key for key in REQUIRED_METADATA if key not in meta]
    if missing:
        raise ModelUnavailableError(f"{path} lacks metadata {missing}: not a plate recognizer export")
    channels, height, width = (int(v) for v in json.loads(meta["input_size"]))
    if channels != 1:
        raise ModelUnavailableError(f"{path}: expected a 1-channel input, metadata says {channels}")
    return RecognizerModel(
        alphabet=meta["alphabet"],
        date_alphabet=meta["date_alphabet"],
        height=height,
        width=width,
        version=meta.get("version", ""),
        training_data_hash=meta.get("training_data_hash", ""),
    )


def format_date(digits: str) -> str:
    """The date row as printed: "0829" -> "08.29"; anything else as read."""
    return f"{digits[:2]}.{digits[2:]}" if len(digits) == 4 else digits


def line_read(line: RecText, date: RecText, provider: str, options: RecognizerOptions) -> OcrRead:
    """An OcrRead from decoded number and date lines; confidence is the least sure character's probability."""
    if not line.chars:
        return OcrRead(text="", confidence=0.0, provider=provider, date_text=format_date(date.text))
    return OcrRead(
        text=line.text,
        confidence=round(min(c.prob for c in line.chars), 4),
        provider=provider,
        date_text=format_date(date.text),
        chars=tuple(CharConfidence(c.char, round(c.prob, 4)) for c in line.chars),
        candidates=alternatives(line, max_candidates=options.max_candidates, below=options.candidate_below),
    )


class PlateRecognizerProvider:
    """OcrProvider backed by our plate recognizer ONNX model; thread-safe and meant to be shared."""

    name = "recognizer"

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        intra_op_threads: int = 1,
        inter_op_threads: int = 1,
        options: RecognizerOptions | None = None,
    ) -> None:
        self.model_path = model_path or DEFAULT_MODEL
        self.options = options or RecognizerOptions()
        self.session = make_session(self.model_path, intra_op_threads, inter_op_threads)
        self.model = read_metadata(self.session.get_modelmeta().custom_metadata_map, self.model_path)
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = [o.name for o in self.session.get_outputs()]
        if len(self.output_names) != 2:
            raise ModelUnavailableError(f"{self.model_path}: expected number and date outputs, got {self.output_names}")

    def status(self) -> ProviderStatus:
        """A loaded model is always available (no network)."""
        return ProviderStatus(self.name, True, "loaded", model_name=f"{self.model_path.name} v{self.model.version}")

    def read(self, crops: Sequence[Image]) -> list[OcrRead]:
        """Read every crop; all crops of the call go through the network together."""
        with reader_errors("plate recognizer"):
            return self._read(crops)

    def decode(self, crops: Sequence[Image]) -> list[tuple[RecText, RecText]]:
        """(number line, date line) of each crop, unusable crops (under 4 x 4 pixels) as empty lines."""
        usable = [i for i, c in enumerate(crops) if c.ndim in (2, 3) and c.shape[0] >= 4 and c.shape[1] >= 4]
        empty = RecText(())
        lines: list[tuple[RecText, RecText]] = [(empty, empty)] * len(crops)
        step = max(1, self.options.max_batch)
        for start in range(0, len(usable), step):
            chunk = usable[start : start + step]
            batch = batch_input([crops[i] for i in chunk], self.model.height, self.model.width)
            number, date = self.session.run(self.output_names, {self.input_name: batch})
            for k, i in enumerate(chunk):
                lines[i] = (
                    greedy_decode(np.asarray(number[k], np.float32), self.model.alphabet),
                    greedy_decode(np.asarray(date[k], np.float32), self.model.date_alphabet),
                )
        return lines

    def _read(self, crops: Sequence[Image]) -> list[OcrRead]:
        return [line_read(number, date, self.name, self.options) for number, date in self.decode(crops)]
