"""Pure pre/post-processing of the PP-OCR runners: CTC decoding, DB boxes, rows, layout, candidates."""

from __future__ import annotations

import numpy as np
import pytest

from server.ocr.candidates import alternatives
from server.ocr.layout import Band, cut, plate_layout, whole_crop
from server.ocr.ppocr_det import TextBox, db_boxes
from server.ocr.ppocr_rec import DecodedChar, RecText, ctc_decode, fold_matrix
from server.ocr.rows import group_rows, main_row_index

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def frames(*labels: str) -> np.ndarray:
    """Folded probabilities: '-' blank, '?' other, else the character, each at 0.9."""
    probs = np.full((len(labels), len(ALPHABET) + 2), 0.1 / (len(ALPHABET) + 1), dtype=np.float32)
    for t, label in enumerate(labels):
        column = 0 if label == "-" else 1 if label == "?" else ALPHABET.index(label) + 2
        probs[t, column] = 0.9
    return probs


def test_ctc_collapses_repeats_and_blanks() -> None:
    chars = ctc_decode(frames("-", "B", "B", "-", "1", "-", "1", "?", "C"), ALPHABET)
    assert "".join(c.char for c in chars) == "B11C"
    assert all(c.prob == pytest.approx(0.9) for c in chars)


def test_ctc_keeps_runner_up() -> None:
    probs = frames("-", "G", "-")
    probs[1, ALPHABET.index("C") + 2] = 0.5
    (char,) = ctc_decode(probs, ALPHABET)
    assert (char.char, char.alt) == ("G", "C")
    assert char.alt_prob == pytest.approx(0.5)


def test_fold_matrix_sums_case_and_width_variants() -> None:
    vocabulary = ["a", "A", "\uff21", "\u4e2d", "1", "-"]  # a, A, full-width A, a Chinese sign
    fold = fold_matrix(vocabulary, "1A")
    # model classes: blank, then the vocabulary, then space
    model = np.array([[0.0, 0.2, 0.3, 0.1, 0.1, 0.05, 0.15, 0.1]], dtype=np.float32)
    blank, other, one, letter_a = (model @ fold)[0]
    assert letter_a == pytest.approx(0.6)
    assert one == pytest.approx(0.05)
    assert other == pytest.approx(0.35)
    assert blank == pytest.approx(0.0)


def test_db_boxes_finds_two_rows() -> None:
    prob = np.zeros((100, 300), dtype=np.float32)
    prob[20:50, 30:270] = 0.95  # number row
    prob[70:82, 110:190] = 0.9  # date row
    prob[5:6, 5:6] = 0.99  # speck, too small
    boxes = sorted(db_boxes(prob), key=lambda b: b.cy)
    assert len(boxes) == 2
    number, date = boxes
    assert number.width > 240 and number.height > 30  # unclipped outwards
    assert number.cx == pytest.approx(150, abs=2)
    assert date.cy == pytest.approx(76, abs=2)


def test_db_boxes_drops_low_scores() -> None:
    prob = np.zeros((50, 100), dtype=np.float32)
    prob[10:30, 10:90] = 0.35
    assert db_boxes(prob, thresh=0.3, box_thresh=0.5) == []


def box(cx: float, cy: float, w: float, h: float, angle: float = 0.0) -> TextBox:
    return TextBox(cx, cy, w, h, angle, 0.9)


def test_rows_and_main_row() -> None:
    boxes = [box(40, 40, 30, 40), box(150, 42, 120, 42), box(260, 40, 60, 40), box(150, 90, 70, 18)]
    rows = group_rows(boxes)
    assert [len(r.boxes) for r in rows] == [3, 1]
    assert main_row_index(rows) == 0
    assert main_row_index([]) == -1


def test_tilted_row_keeps_its_letters_and_not_the_date() -> None:
    # A line tilted by 8 degrees: the right-hand letters sit lower but on the same line.
    boxes = [box(150, 50, 200, 40, 8.0), box(290, 70, 50, 40, 8.0), box(200, 110, 80, 18, 8.0)]
    rows = group_rows(boxes)
    assert [len(r.boxes) for r in rows] == [2, 1]


def test_layout_number_band_spans_the_crop_and_finds_the_date() -> None:
    image = np.zeros((120, 300, 3), dtype=np.uint8)
    layout = plate_layout(image, group_rows([box(150, 45, 160, 50), box(150, 100, 60, 18)]))
    assert layout.number.width == pytest.approx(300)
    assert layout.number.cy == pytest.approx(45)
    assert layout.date is not None
    assert layout.date.cy == pytest.approx(100)


def test_layout_without_rows_reads_the_whole_crop() -> None:
    image = np.zeros((50, 200, 3), dtype=np.uint8)
    assert plate_layout(image, []) == whole_crop(image)


def test_cut_upright_and_rotated() -> None:
    image = np.zeros((100, 200, 3), dtype=np.uint8)
    image[40:60, 50:150] = 255
    assert cut(image, Band(100, 50, 100, 20)).mean() == pytest.approx(255)
    rotated = cut(image, Band(100, 50, 100, 20, angle=10.0))
    assert rotated.shape == (20, 100, 3)


def test_alternatives_swap_unsure_characters() -> None:
    line = RecText(
        (DecodedChar("C", 0.6, "G", 0.35), DecodedChar("1", 0.99, "7", 0.01), DecodedChar("8", 0.7, "B", 0.25))
    )
    found = alternatives(line)
    assert found[0].text == "C18"
    assert {c.text for c in found} == {"C18", "G18", "C1B", "G1B"}
    assert [c.confidence for c in found[1:]] == sorted((c.confidence for c in found[1:]), reverse=True)


def test_fold_maps_lookalike_symbols() -> None:
    # The Indonesian plate "4" is often read as the angle sign.
    fold = fold_matrix(["\u2220", "4"], "4")
    model = np.array([[0.1, 0.5, 0.3, 0.1]], dtype=np.float32)  # blank, angle sign, 4, space
    assert (model @ fold)[0][2] == pytest.approx(0.8)


def test_a_wide_row_under_the_number_is_a_slogan_not_a_date() -> None:
    image = np.zeros((150, 300, 3), dtype=np.uint8)
    layout = plate_layout(image, group_rows([box(150, 60, 240, 60), box(150, 120, 220, 20)]))
    assert layout.date is None or layout.date_guessed


def test_only_a_low_small_row_means_the_number_row_was_missed() -> None:
    image = np.zeros((120, 300, 3), dtype=np.uint8)
    layout = plate_layout(image, group_rows([box(150, 100, 60, 18)]))
    assert layout.date is not None
    assert layout.number.cy < 60


def test_ctc_allowed_characters_only() -> None:
    probs = frames("-", "G", "-", "5")
    probs[1, ALPHABET.index("0") + 2] = 0.3
    assert "".join(c.char for c in ctc_decode(probs, ALPHABET, allowed="0123456789")) == "05"


def test_date_band_is_guessed_under_a_number_row_without_one() -> None:
    image = np.zeros((150, 300, 3), dtype=np.uint8)
    layout = plate_layout(image, group_rows([box(150, 50, 260, 60)]))
    assert layout.date_guessed
    assert layout.date is not None
    assert 80 < layout.date.cy < 130
    assert layout.date.width == pytest.approx(150)
