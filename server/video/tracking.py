"""Track ids for detections across frames: roboflow `trackers` ByteTrack over one kind of box."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import supervision as sv
from trackers import ByteTrackTracker

from server.domain import Detection

# ByteTrack counts its lost-track buffer in frames of a 30 fps video.
_REFERENCE_FPS = 30.0


class BoxTracker:
    """Gives each detection of a frame a track id (or None while the tracker does not follow it).

    A track unseen for `track_lost_s` is dropped by the tracker, so an id never comes back after that:
    the session finalises a vehicle at the same moment.
    """

    def __init__(self, *, track_lost_s: float, frame_rate: float, activation_threshold: float,
                 minimum_iou: float = 0.1) -> None:
        self._tracker = ByteTrackTracker(
            lost_track_buffer=max(1, round(track_lost_s * _REFERENCE_FPS)),
            frame_rate=max(frame_rate, 1.0),
            track_activation_threshold=activation_threshold,
            minimum_consecutive_frames=1,
            minimum_iou_threshold=minimum_iou,
            high_conf_det_threshold=activation_threshold,
        )
        self._last_t: float | None = None

    def update(self, detections: Sequence[Detection], t_s: float) -> list[int | None]:
        """Track ids for `detections` (same order) at time t_s (strictly increasing)."""
        if self._last_t is not None and t_s <= self._last_t:
            t_s = self._last_t + 1e-3  # the tracker skips repeated or earlier times; nudge forward
        self._last_t = t_s
        if detections:
            xyxy = np.array([[d.box.x1, d.box.y1, d.box.x2, d.box.y2] for d in detections], dtype=np.float32)
            confidence = np.array([d.confidence for d in detections], dtype=np.float32)
        else:
            xyxy = np.empty((0, 4), dtype=np.float32)
            confidence = np.empty((0,), dtype=np.float32)
        boxes = sv.Detections(xyxy=xyxy, confidence=confidence,
                              data={"index": np.arange(len(detections))})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            tracked = self._tracker.update(boxes, timestamp=t_s)
        ids: list[int | None] = [None] * len(detections)
        if tracked.tracker_id is None or "index" not in tracked.data:
            return ids
        for index, tracker_id in zip(tracked.data["index"], tracked.tracker_id, strict=True):
            if int(tracker_id) >= 0:
                ids[int(index)] = int(tracker_id)
        return ids
