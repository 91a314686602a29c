"""Direction of travel from a track's first and last boxes."""

from __future__ import annotations

import math

from server.domain import Box

APPROACHING, LEAVING, LEFT, RIGHT, STATIONARY = "approaching", "leaving", "left", "right", "stationary"
# Below these a track has not visibly moved: 15% growth in width, or a third of its width sideways.
_MIN_SCALE = math.log(1.15)
_MIN_SHIFT = 0.33


def direction(first: Box, last: Box) -> str:
    """approaching (grows), leaving (shrinks), left / right (moves sideways) or stationary."""
    if first.width == 0 or last.width == 0 or first.height == 0 or last.height == 0:
        return STATIONARY
    scale = 0.5 * math.log((last.width * last.height) / (first.width * first.height))
    mean_width = (first.width + last.width) / 2.0
    shift = ((last.x1 + last.x2) - (first.x1 + first.x2)) / 2.0 / mean_width
    if abs(scale) < _MIN_SCALE and abs(shift) < _MIN_SHIFT:
        return STATIONARY
    if abs(scale) / _MIN_SCALE >= abs(shift) / _MIN_SHIFT:
        return APPROACHING if scale > 0 else LEAVING
    return RIGHT if shift > 0 else LEFT
