"""Saving a finished track's best frame and plate crop through the artefact store."""

from __future__ import annotations

from server.domain import Detection
from server.pipeline import annotate
from server.storage.artefacts import ArtefactStore
from server.video.track import View


class TrackViewSaver:
    """ViewSaver writing `{prefix}_{name}_frame.jpg` (vehicle box drawn) and `{prefix}_{name}_plate.jpg`."""

    def __init__(self, store: ArtefactStore, prefix: str, plate_padding: int) -> None:
        self._store = store
        self._prefix = prefix
        self._padding = plate_padding

    def save(self, name: str, view: View) -> tuple[str, str]:
        """(frame path, plate crop path); "" where nothing was saved."""
        dirs = self._store.dirs
        boxes = [Detection(b, 1.0, 0, label) for b, label in ((view.vehicle_box, "vehicle"), (view.plate_box, "plate"))
                 if b is not None]
        frame = annotate.draw_boxes(view.image, boxes, annotate.VEHICLE_COLOR, [d.class_name for d in boxes])
        frame_path = self._store.save_image(dirs.detected_vehicle, f"{self._prefix}_{name}_frame.jpg", frame)
        plate_path = ""
        if view.plate_box is not None:
            crop = annotate.crop(view.image, Detection(view.plate_box, 1.0, 0, "plate"), self._padding)
            plate_path = self._store.save_image(dirs.cropped_plate, f"{self._prefix}_{name}_plate.jpg", crop)
        return frame_path, plate_path
