"""Per-camera region of interest and exclusion polygons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from server.domain import Box

Polygon = Sequence[tuple[float, float]]


def _contour(polygon: Polygon) -> np.ndarray:
    return np.asarray(polygon, dtype=np.float32).reshape(-1, 1, 2)


@dataclass(frozen=True)
class Zones:
    """A box counts when its centre is inside the ROI (if any) and inside no exclusion polygon."""

    roi: tuple[tuple[float, float], ...] = ()
    exclude: tuple[tuple[tuple[float, float], ...], ...] = ()

    def admits(self, box: Box) -> bool:
        """Whether a detection with this box is considered at all."""
        centre = ((box.x1 + box.x2) / 2.0, (box.y1 + box.y2) / 2.0)
        if len(self.roi) >= 3 and cv2.pointPolygonTest(_contour(self.roi), centre, False) < 0:
            return False
        return not any(
            len(p) >= 3 and cv2.pointPolygonTest(_contour(p), centre, False) >= 0 for p in self.exclude
        )
