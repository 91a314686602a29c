"""Grouping detected text boxes into rows, and picking a plate's number row."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from server.ocr.ppocr_det import TextBox


@dataclass(frozen=True)
class TextRow:
    """Boxes that share one line of text, left to right."""

    boxes: tuple[TextBox, ...]

    @property
    def top(self) -> float:
        """Smallest y over the row's boxes."""
        return min(b.top for b in self.boxes)

    @property
    def bottom(self) -> float:
        """Largest y over the row's boxes."""
        return max(b.bottom for b in self.boxes)

    @property
    def left(self) -> float:
        """Smallest x over the row's boxes."""
        return float(min(b.corners()[:, 0].min() for b in self.boxes))

    @property
    def right(self) -> float:
        """Largest x over the row's boxes."""
        return float(max(b.corners()[:, 0].max() for b in self.boxes))

    @property
    def height(self) -> float:
        """Text height: the width-weighted mean of the boxes' heights."""
        weights = [b.width for b in self.boxes]
        return float(np.average([b.height for b in self.boxes], weights=weights))

    @property
    def width(self) -> float:
        """Sum of the boxes' widths."""
        return float(sum(b.width for b in self.boxes))

    @property
    def centre_y(self) -> float:
        """Vertical centre of the row."""
        return (self.top + self.bottom) / 2

    @property
    def angle(self) -> float:
        """Text angle in degrees (width-weighted over boxes long enough to show one)."""
        long = [b for b in self.boxes if b.width >= 2 * b.height]
        if not long:
            return 0.0
        return float(np.average([b.angle for b in long], weights=[b.width for b in long]))

    @property
    def centre(self) -> tuple[float, float]:
        """Width-weighted centre of the row's boxes."""
        weights = [b.width for b in self.boxes]
        return (
            float(np.average([b.cx for b in self.boxes], weights=weights)),
            float(np.average([b.cy for b in self.boxes], weights=weights)),
        )

    def line_y(self, x: float) -> float:
        """y of the row's centre line at x."""
        cx, cy = self.centre
        return cy + math.tan(math.radians(self.angle)) * (x - cx)


def _same_line(row: TextRow, box: TextBox) -> bool:
    """Whether the box's centre lies near the row's (possibly tilted) centre line."""
    return abs(box.cy - row.line_y(box.cx)) <= 0.4 * max(row.height, box.height)


def group_rows(boxes: Sequence[TextBox]) -> list[TextRow]:
    """Rows of boxes lying on one (possibly tilted) text line, top to bottom."""
    rows: list[TextRow] = []
    for box in sorted(boxes, key=lambda b: b.width, reverse=True):
        for i, row in enumerate(rows):
            if _same_line(row, box):
                rows[i] = TextRow(tuple(sorted((*row.boxes, box), key=lambda b: b.cx)))
                break
        else:
            rows.append(TextRow((box,)))
    return sorted(rows, key=lambda r: r.centre[1])


def main_row_index(rows: Sequence[TextRow]) -> int:
    """Index of the number row: the row with the tallest text (ties: the wider row); -1 if none."""
    if not rows:
        return -1
    tallest = max(r.height for r in rows)
    tall = [i for i, r in enumerate(rows) if r.height >= 0.8 * tallest]
    return max(tall, key=lambda i: rows[i].width)
