"""The scene analyzer: vehicles, plates and their readings in one decoded image. No I/O.

Photos (`ImageJob` saves what it finds) and video frames (`VideoSession` tracks it) stand on the
same public methods, so a reader, detector or threshold changes in one place for both.
"""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace

from server.config import Settings
from server.domain import Box, Detection, Image, PlateReading
from server.errors import ModelUnavailableError
from server.ocr.base import OcrProvider
from server.pipeline.clock import timed
from server.pipeline.pairing import pair
from server.pipeline.plate_search import search_vehicles
from server.pipeline.ports import DetectorLike, UnifiedDetectorLike
from server.pipeline.results import SceneAnalysis, StageTimes
from server.plates.recognize import ocr_only, recognize
from server.plates.verify import Verifier

PLATE_CLASS = "plate"
# Vehicle boxes are grown by this share of their size before their plates are searched (plates_in).
REGION_MARGIN = 0.05


def plate_crop(image: Image, det: Detection) -> Image:
    """A plate crop for reading: the box plus a small margin relative to its size."""
    h, w = image.shape[:2]
    margin = max(2, round(0.06 * max(det.box.width, det.box.height)))
    b = det.box.padded(margin, w, h)
    return image[b.y1:b.y2, b.x1:b.x2]


class SceneAnalyzer:
    """Detectors, reader and verifier behind one public, side-effect-free API."""

    def __init__(
        self,
        settings: Settings,
        *,
        vehicle_detector: DetectorLike | None,
        plate_detector: DetectorLike | None,
        ocr: OcrProvider | None,
        verifier: Verifier | None = None,
        unified_detector: UnifiedDetectorLike | None = None,
    ) -> None:
        self.settings = settings
        self.verifier = verifier or Verifier(settings.plates.formats,
                                             drop_invalid_below=settings.plates.drop_invalid_below)
        self.vehicle_detector = vehicle_detector
        self.plate_detector = plate_detector
        # When set (detection.mode: unified) analyze() finds vehicles and plates in one pass of it;
        # vehicle_detector and plate_detector are then views of it for the single-stage calls.
        self.unified_detector = unified_detector
        self.ocr = ocr
        det = settings.detection
        self._vehicle_conf = det.vehicle_confidence_threshold
        self._plate_conf = det.plate_threshold
        self._iou = det.iou_threshold
        # Vehicle detection runs here while plate detection runs in the caller's thread: on two or more
        # cores one image's two detectors overlap (onnxruntime releases the GIL).
        self._detector_pool = (
            ThreadPoolExecutor(max_workers=settings.server.stage_threads, thread_name_prefix="vehicles")
            if settings.runtime.concurrent_detectors and unified_detector is None else None
        )
        # At most runtime.inference_slots images in detection at once (server.thread_plan), so detector
        # threads never outnumber the cores; 0: no limit.
        slots = settings.runtime.inference_slots
        self._slots = threading.BoundedSemaphore(slots) if slots else None

    def inference_slot(self) -> AbstractContextManager[object]:
        """Held while an image is in detection (a no-op without runtime.inference_slots)."""
        return self._slots if self._slots is not None else nullcontext()

    def close(self) -> None:
        """Stop the detector pool (waits for running detections)."""
        if self._detector_pool is not None:
            self._detector_pool.shutdown(wait=True)

    # ---- the pieces ----------------------------------------------------------------------
    def vehicles(self, image: Image) -> list[Detection]:
        """Vehicles in the image above the configured confidence."""
        if self.vehicle_detector is None:
            raise ModelUnavailableError("ALPR processing failed: vehicle detector model not loaded")
        return self.vehicle_detector.detect(image, self._vehicle_conf, self._iou)

    def vehicles_and_plates(self, image: Image) -> tuple[list[Detection], list[Detection] | None]:
        """Vehicles, and the whole image's plates when the same pass finds them (the unified detector);
        None instead of plates where they would cost a detector pass of their own."""
        if self.unified_detector is None:
            return self.vehicles(image), None
        return self.unified_detector.detect_both(image, vehicle_conf=self._vehicle_conf,
                                                 plate_conf=self._plate_conf, iou=self._iou)

    def plates(self, image: Image, vehicles: list[Detection] | None = None) -> list[Detection]:
        """Plates in the whole image, plus those found inside `vehicles` where the whole image showed none."""
        return self._search_plates(image, vehicles, self._whole_image_plates(image))

    def plates_in(self, image: Image, regions: list[Box], *, size: int) -> list[list[Detection]]:
        """Plates in each region's crop (grown by REGION_MARGIN) letterboxed to size x size, in image pixels."""
        detector = self.plate_detector
        if detector is None or not regions:
            return [[] for _ in regions]
        h, w = image.shape[:2]
        boxes = [r.padded(round(REGION_MARGIN * max(r.width, r.height)), w, h) for r in regions]
        boxes = [b if b.width > 0 and b.height > 0 else Box(0, 0, w, h) for b in boxes]
        crops = [image[b.y1:b.y2, b.x1:b.x2] for b in boxes]
        found = detector.detect_batch(crops, self._plate_conf, self._iou, size=size)
        return [[d.shifted(b.x1, b.y1, PLATE_CLASS) for d in dets] for b, dets in zip(boxes, found, strict=True)]

    def read(self, image: Image, plates: list[Detection]) -> list[PlateReading]:
        """The plates' verified readings, one reader call for all of them."""
        if not plates:
            return []
        crops = [plate_crop(image, p) for p in plates]
        reads = self._ocr().read(crops)
        return [self.verifier.verify(recognize(c, r), p.confidence)
                for c, r, p in zip(crops, reads, plates, strict=True)]

    def read_crop(self, crop: Image, *, with_region: bool) -> PlateReading:
        """One plate image read as a whole: OCR only, or recognition with the region and the rules."""
        read = self._ocr().read([crop])[0]
        return self.verifier.verify(recognize(crop, read) if with_region else ocr_only(crop, read))

    def keeps(self, reading: PlateReading) -> bool:
        """Whether a reading is kept (the verifier drops confident junk)."""
        return self.verifier.keeps(reading)

    # ---- the whole analysis --------------------------------------------------------------
    def analyze(self, image: Image) -> SceneAnalysis:
        """Vehicles, plates, readings and pairs of a decoded BGR image (a photo or a video frame), each
        stage timed; reads no file and writes none."""
        t: dict[str, float] = {}
        with self.inference_slot():
            vehicles, plates = self._detect(image, t)
        with timed(t, "recognition"):
            readings = self.read(image, plates)
            kept = [i for i, r in enumerate(readings) if self.keeps(r)]
            if len(kept) < len(plates):
                plates, readings = [plates[i] for i in kept], [readings[i] for i in kept]
        with timed(t, "pairing"):
            pairs = pair(vehicles, plates)
        times = StageTimes(vehicle_detection_ms=t["vehicles"], plate_detection_ms=t["plates"],
                           plate_recognition_ms=t["recognition"], pairing_ms=t["pairing"])
        height, width = image.shape[:2]
        return SceneAnalysis(width=int(width), height=int(height), vehicles=vehicles, plates=plates,
                             readings=readings, pairs=pairs, times=times)

    # ---- private ---------------------------------------------------------------------------
    def _whole_image_plates(self, image: Image) -> list[Detection]:
        if self.plate_detector is None:
            raise ModelUnavailableError("ALPR processing failed: plate detector model not loaded")
        return self.plate_detector.detect(image, self._plate_conf, self._iou)

    def _search_plates(self, image: Image, vehicles: list[Detection] | None, found: list[Detection]) -> list[Detection]:
        """Add plates found inside vehicles where the whole image showed none; the API's class name."""
        searches = self.settings.detection.plate_searches
        if vehicles and searches and self.plate_detector is not None:
            found = found + search_vehicles(self.plate_detector, image, vehicles, found, conf=self._plate_conf,
                                            iou=self._iou, max_searches=searches)
        # Plate models name their one class variously ("License_Plate", ...); the API says "plate".
        return [replace(d, class_name=PLATE_CLASS) for d in found]

    def _detect(self, image: Image, t: dict[str, float]) -> tuple[list[Detection], list[Detection]]:
        """Vehicles and plates, the two detectors concurrently when configured; times into `t`.

        With the unified detector one pass gives both; its time is the vehicle stage's, and the plate
        stage holds only the (optional) second search inside vehicles.
        """
        if self.unified_detector is not None:
            with timed(t, "vehicles"):
                vehicles, found = self.unified_detector.detect_both(
                    image, vehicle_conf=self._vehicle_conf, plate_conf=self._plate_conf, iou=self._iou)
            with timed(t, "plates"):
                plates = self._search_plates(image, vehicles, found)
            return vehicles, plates
        if self._detector_pool is None:
            with timed(t, "vehicles"):
                vehicles = self.vehicles(image)
            with timed(t, "plates"):
                plates = self.plates(image, vehicles)
            return vehicles, plates

        def timed_vehicles() -> tuple[list[Detection], float]:
            t_vehicles: dict[str, float] = {}
            with timed(t_vehicles, "vehicles"):
                found_vehicles = self.vehicles(image)
            return found_vehicles, t_vehicles["vehicles"]

        # The vehicle detector's thread runs in this one's context: request id and trace span carry over.
        future = self._detector_pool.submit(contextvars.copy_context().run, timed_vehicles)
        try:
            with timed(t, "plates"):
                found = self._whole_image_plates(image)
        finally:
            vehicles, t["vehicles"] = future.result()  # also re-raises the vehicle detector's error
        with timed(t, "plates"):
            plates = self._search_plates(image, vehicles, found)
        return vehicles, plates

    def _ocr(self) -> OcrProvider:
        if self.ocr is None:
            raise ModelUnavailableError("Plate recognition failed: no OCR provider is available")
        return self.ocr
