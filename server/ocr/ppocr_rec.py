"""PP-OCR text recognition: pre-processing, one ONNX run per batch, CTC greedy decoding.

The decoder folds the model's large (Chinese + Latin) vocabulary onto a small plate
alphabet: lower-case and full-width forms add to their upper-case ASCII letter, every
other symbol becomes one "other" class that emits nothing. Each decoded character keeps
its probability and the second-best plate character at the same frame.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from server.domain import Image
from server.errors import ModelUnavailableError

PLATE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Symbols of the models' vocabularies that plate fonts look like (after NFKC): the Indonesian
# plate "4" with its open top is often read as the angle sign.
LOOKALIKES = {"\u2220": "4", "\u222a": "U", "\u00d7": "X", "\u3007": "0", "\u03b2": "B"}

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class DecodedChar:
    """One decoded character, its probability and the runner-up plate character."""

    char: str
    prob: float
    alt: str = ""
    alt_prob: float = 0.0


@dataclass(frozen=True)
class RecText:
    """A recognised text line."""

    chars: tuple[DecodedChar, ...]

    @property
    def text(self) -> str:
        """The decoded string."""
        return "".join(c.char for c in self.chars)

    @property
    def confidence(self) -> float:
        """Mean character probability (0 for an empty line)."""
        return float(np.mean([c.prob for c in self.chars])) if self.chars else 0.0


def make_session(model_path: Path, intra_op_threads: int, inter_op_threads: int) -> ort.InferenceSession:
    """One CPU InferenceSession with the given thread counts (0 = onnxruntime's default)."""
    if not model_path.is_file():
        raise ModelUnavailableError(f"OCR model not found: {model_path}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = inter_op_threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Spinning worker threads burn the cores that other requests' sessions need.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several unrelated types
        raise ModelUnavailableError(f"cannot load OCR model {model_path}: {exc}") from exc


def fold_matrix(vocabulary: Sequence[str], alphabet: str) -> FloatArray:
    """Matrix (len(vocabulary)+2, len(alphabet)+2) summing model classes into [blank, other, alphabet...].

    Model class 0 is the CTC blank, classes 1..n the vocabulary, the last one a space.
    """
    n_model = len(vocabulary) + 2
    folded = np.zeros((n_model, len(alphabet) + 2), dtype=np.float32)
    folded[0, 0] = 1.0
    index = {ch: i + 2 for i, ch in enumerate(alphabet)}
    for i, token in enumerate([*vocabulary, " "], start=1):
        key = unicodedata.normalize("NFKC", token).upper()
        key = LOOKALIKES.get(key, key)
        folded[i, index.get(key, 1)] = 1.0
    return folded


def label_runs(labels: npt.NDArray[np.integer]) -> Iterator[tuple[int, int, int]]:
    """(label, start, end) of each run of equal consecutive frame labels: greedy CTC's grouping."""
    t, n = 0, len(labels)
    while t < n:
        end = t + 1
        while end < n and labels[end] == labels[t]:
            end += 1
        yield int(labels[t]), t, end
        t = end


def ctc_decode(probs: FloatArray, alphabet: str, allowed: str = "") -> tuple[DecodedChar, ...]:
    """Greedy CTC decoding of folded per-frame probabilities (T, 2+len(alphabet)).

    With `allowed`, other alphabet characters cannot win a frame (a date row holds digits only,
    so a "0" read as "G" still yields its best digit).
    """
    if allowed:
        probs = probs.copy()
        banned = [i + 2 for i, ch in enumerate(alphabet) if ch not in allowed]
        probs[:, banned] = -1.0
    chars: list[DecodedChar] = []
    for label, start, end in label_runs(probs.argmax(axis=1)):
        if label >= 2:
            run = probs[start:end, label]
            peak = start + int(run.argmax())
            letters = probs[peak, 2:].copy()
            letters[label - 2] = -1.0
            alt = int(letters.argmax())
            chars.append(DecodedChar(alphabet[label - 2], float(run.max()), alphabet[alt], float(letters[alt])))
    return tuple(chars)


class TextRecognizer:
    """PP-OCR recognition model; thread-safe (onnxruntime's run() is)."""

    def __init__(
        self,
        model_path: Path,
        *,
        intra_op_threads: int = 1,
        inter_op_threads: int = 1,
        height: int = 48,
        max_width: int = 640,
        alphabet: str = PLATE_ALPHABET,
        side_padding: float = 0.25,
        max_batch: int = 8,
    ) -> None:
        self.session = make_session(model_path, intra_op_threads, inter_op_threads)
        meta = self.session.get_modelmeta().custom_metadata_map
        if "character" not in meta:
            raise ModelUnavailableError(f"{model_path} has no 'character' metadata")
        vocabulary = meta["character"].split("\n")
        self.alphabet = alphabet
        self.height = height
        self.max_width = max_width
        self.side_padding = side_padding
        self.max_batch = max_batch
        self.input_name = self.session.get_inputs()[0].name
        full = fold_matrix(vocabulary, alphabet)
        # Only the blank and the classes that count for the alphabet are read; "other" is the
        # rest of the softmax. A dense product over the whole vocabulary would crawl through
        # the denormal probabilities of its thousands of unlikely classes.
        self._columns = np.flatnonzero(full[:, [0, *range(2, full.shape[1])]].any(axis=1))
        self._fold = full[self._columns]

    def _width(self, image: Image) -> int:
        """Input width for an image: height-scaled, plus the side padding, within max_width."""
        pad = int(self.height * self.side_padding)
        scaled = math.ceil(self.height * int(image.shape[1]) / max(1, int(image.shape[0])))
        return min(self.max_width - 2 * pad, max(8, scaled)) + 2 * pad

    def _prepare(self, images: Sequence[Image], min_width: int) -> FloatArray:
        # Characters touching the left/right edge are often dropped: pad with the median colour.
        pad = int(self.height * self.side_padding)
        widths = [self._width(im) for im in images]
        # Padding to a multiple of 32 keeps the set of input shapes small: onnxruntime plans
        # each new shape on its first run, which costs about as much as the run itself.
        batch_width = min(self.max_width, max(min_width, -(-max(widths) // 32) * 32))
        batch = np.zeros((len(images), 3, self.height, batch_width), dtype=np.float32)
        for i, (im, w) in enumerate(zip(images, widths, strict=True)):
            resized = cv2.resize(im, (w - 2 * pad, self.height), interpolation=cv2.INTER_LINEAR)
            fill = [float(v) for v in np.median(resized.reshape(-1, 3), axis=0)]
            resized = cv2.copyMakeBorder(resized, 0, 0, pad, pad, cv2.BORDER_CONSTANT, value=fill)
            batch[i, :, :, :w] = (resized.astype(np.float32).transpose(2, 0, 1) / 127.5) - 1.0
        return batch

    def _batches(self, images: Sequence[Image]) -> list[list[int]]:
        """Indices grouped by similar width, so that short lines are not padded to long ones."""
        order = sorted(range(len(images)), key=lambda i: self._width(images[i]))
        batches: list[list[int]] = []
        for i in order:
            width = self._width(images[i])
            if batches and len(batches[-1]) < self.max_batch and width <= 1.25 * self._width(images[batches[-1][0]]):
                batches[-1].append(i)
            else:
                batches.append([i])
        return batches

    def _run_batch(self, images: Sequence[Image], min_width: int) -> FloatArray:
        batch = self._prepare(images, min_width)
        out = np.asarray(self.session.run(None, {self.input_name: batch})[0], dtype=np.float32)
        picked = out[:, :, self._columns]
        picked[picked < 1e-12] = 0.0
        folded = np.asarray(picked @ self._fold, dtype=np.float32)
        folded[:, :, 1] = np.clip(1.0 - folded.sum(axis=2), 0.0, 1.0)
        return folded

    def run(self, images: Sequence[Image], min_width: int = 0) -> list[FloatArray]:
        """Folded per-frame probabilities for each image (frames of padding included).

        Lines are padded on the right to at least `min_width` model pixels: PP-OCR models were
        trained on 320-wide inputs and read short lines better with that much room.
        """
        results: list[FloatArray | None] = [None] * len(images)
        for batch in self._batches(images):
            folded = self._run_batch([images[i] for i in batch], min_width)
            for row, i in enumerate(batch):
                results[i] = folded[row]
        return [r for r in results if r is not None]

    def recognize(self, images: Sequence[Image], min_width: int = 0, allowed: str = "") -> list[RecText]:
        """Recognise each image (one text line each, optionally `allowed` characters only)."""
        return [RecText(ctc_decode(p, self.alphabet, allowed)) for p in self.run(images, min_width)]
