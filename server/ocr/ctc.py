"""Greedy CTC decoding with per-character probabilities and runner-up characters (blank = class 0)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from server.ocr.ppocr_rec import DecodedChar, RecText, label_runs

FloatArray = npt.NDArray[np.float32]


def greedy_decode(probs: FloatArray, alphabet: str) -> RecText:
    """Decode per-frame probabilities (T, 1 + len(alphabet)); class 0 is the CTC blank.

    Consecutive frames of one class form one character (a blank separates repeats). Its
    probability is the run's peak; its runner-up is the best other non-blank class at that peak.
    """
    if probs.ndim != 2 or probs.shape[1] != len(alphabet) + 1:
        raise ValueError(f"expected (T, {len(alphabet) + 1}) probabilities, got {probs.shape}")
    chars: list[DecodedChar] = []
    for label, start, end in label_runs(probs.argmax(axis=1)):
        if label != 0:
            run = probs[start:end, label]
            peak = start + int(run.argmax())
            others = probs[peak, 1:].copy()
            others[label - 1] = -1.0
            alt = int(others.argmax())
            alt_char, alt_prob = (alphabet[alt], float(others[alt])) if others[alt] > 0 else ("", 0.0)
            chars.append(DecodedChar(alphabet[label - 1], float(run.max()), alt_char, alt_prob))
    return RecText(tuple(chars))
