"""The transport-free data plane: every stage of the pipeline, called by gRPC (and tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from server.config import Settings
from server.domain import Detection, Image, PlateReading
from server.errors import ModelUnavailableError
from server.imaging.decode import DecodedImage, DecodeGate, decode_image
from server.ocr.base import OcrProvider
from server.pipeline import annotate
from server.pipeline.clock import Stopwatch, timed
from server.pipeline.pairing import pair
from server.pipeline.plate_search import search_vehicles
from server.pipeline.ports import DetectorLike, ReadRecorder, UnifiedDetectorLike
from server.pipeline.result_document import detection_stage_document, pipeline_document, saved_document
from server.pipeline.results import (
    DetectionStageOutput,
    ImageRequest,
    PipelineOutput,
    ReadOutput,
    SceneAnalysis,
    StageTimes,
)
from server.plates.recognize import ocr_only, recognize
from server.plates.verify import Verifier
from server.storage.artefacts import ArtefactStore
from server.storage.naming import file_prefix

Now = Callable[[], datetime]
PLATE_CLASS = "plate"


class AlprPipeline:
    """Runs the stages on decoded images and saves their artefacts."""

    def __init__(
        self,
        settings: Settings,
        *,
        vehicle_detector: DetectorLike | None,
        plate_detector: DetectorLike | None,
        ocr: OcrProvider | None,
        store: ArtefactStore,
        now: Now,
        verifier: Verifier | None = None,
        unified_detector: UnifiedDetectorLike | None = None,
        recorder: ReadRecorder | None = None,
    ) -> None:
        self.settings = settings
        self.verifier = verifier or Verifier(settings.plates.formats,
                                             drop_invalid_below=settings.plates.drop_invalid_below)
        self.vehicle_detector = vehicle_detector
        self.plate_detector = plate_detector
        # When set (detection.mode: unified) the full pipeline finds vehicles and plates in one pass of it;
        # vehicle_detector and plate_detector are then views of it for the single-stage calls.
        self.unified_detector = unified_detector
        self.ocr = ocr
        self.store = store
        self.recorder = recorder
        self._now = now
        det = settings.detection
        self._vehicle_conf = det.vehicle_confidence_threshold
        self._plate_conf = det.plate_confidence_threshold
        self._iou = det.iou_threshold
        self._decode_gate = DecodeGate(settings.limits.large_image_pixels, settings.limits.max_large_decodes)
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

    def _inference_slot(self) -> AbstractContextManager[object]:
        """Held while an image is in detection (a no-op without runtime.inference_slots)."""
        return self._slots if self._slots is not None else nullcontext()

    def close(self) -> None:
        """Stop the detector pool (waits for running detections)."""
        if self._detector_pool is not None:
            self._detector_pool.shutdown(wait=True)

    # ---- helpers -------------------------------------------------------------------------
    def decode(self, request: ImageRequest, *, scene: bool = True) -> DecodedImage:
        """The request's image, checked against the configured formats and limits (scenes: minimum size)."""
        limits = self.settings.limits
        return decode_image(
            request.content,
            file_name=request.file_name,
            allowed_extensions=self.settings.image_formats,
            max_bytes=limits.max_image_bytes,
            min_size=(limits.min_scene_width, limits.min_scene_height) if scene else None,
            max_pixels=limits.max_pixels,
            gate=self._decode_gate,
        )

    def naming(self, request: ImageRequest) -> tuple[str, datetime]:
        """Validate the request's timestamp (before any work) and give its prefix and moment."""
        return file_prefix(
            self._now(), self.settings.tz,
            custom_timestamp=request.custom_timestamp, batch_prefix=request.batch_prefix,
        )

    def _vehicles(self, image: Image) -> list[Detection]:
        if self.vehicle_detector is None:
            raise ModelUnavailableError("ALPR processing failed: vehicle detector model not loaded")
        return self.vehicle_detector.detect(image, self._vehicle_conf, self._iou)

    def _plates(self, image: Image, vehicles: list[Detection] | None = None) -> list[Detection]:
        return self._search_plates(image, vehicles, self._whole_image_plates(image))

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
        """Vehicles and plates of a scene, the two detectors concurrently when configured; times into `t`.

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
                vehicles = self._vehicles(image)
            with timed(t, "plates"):
                plates = self._plates(image, vehicles)
            return vehicles, plates

        def timed_vehicles() -> tuple[list[Detection], float]:
            start = time.perf_counter()
            return self._vehicles(image), (time.perf_counter() - start) * 1000.0

        future = self._detector_pool.submit(timed_vehicles)
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

    def _read_plates(self, image: Image, plates: list[Detection]) -> list[PlateReading]:
        if not plates:
            return []
        crops = [annotate.ocr_crop(image, p) for p in plates]
        reads = self._ocr().read(crops)
        return [self.verifier.verify(recognize(c, r), p.confidence)
                for c, r, p in zip(crops, reads, plates, strict=True)]

    @staticmethod
    def _save_crops(store: ArtefactStore, image: Image, dets: list[Detection], directory: Path, prefix: str,
                    kind: str, padding: int) -> list[str]:
        return [
            store.save_image(directory, f"{prefix}_detected_{kind}{i}.jpg",
                                  annotate.crop(image, d, padding))
            for i, d in enumerate(dets, start=1)
        ]

    # ---- stages --------------------------------------------------------------------------
    def analyze(self, image: Image) -> SceneAnalysis:
        """Pure analysis of a decoded BGR image (a photo or a video frame): vehicles, plates,
        readings and pairs, each stage timed; reads no file and writes none."""
        t: dict[str, float] = {}
        with self._inference_slot():
            vehicles, plates = self._detect(image, t)
        with timed(t, "recognition"):
            readings = self._read_plates(image, plates)
            kept = [i for i, r in enumerate(readings) if self.verifier.keeps(r)]
            if len(kept) < len(plates):
                plates, readings = [plates[i] for i in kept], [readings[i] for i in kept]
        with timed(t, "pairing"):
            pairs = pair(vehicles, plates)
        times = StageTimes(vehicle_detection_ms=t["vehicles"], plate_detection_ms=t["plates"],
                           plate_recognition_ms=t["recognition"], pairing_ms=t["pairing"])
        height, width = image.shape[:2]
        return SceneAnalysis(width=int(width), height=int(height), vehicles=vehicles, plates=plates,
                             readings=readings, pairs=pairs, times=times)

    def save(self, request: ImageRequest, decoded: DecodedImage, analysis: SceneAnalysis, *,
             wanted_prefix: str, moment: datetime, watch: Stopwatch) -> PipelineOutput:
        """Claim a unique prefix and write the upload, crops, annotated images and results JSON.

        `watch` started with the request: the saved document's total_ms covers everything but
        writing the results file itself. The results file is the REST `data` (result_document).
        Raises OSError when a file cannot be written (the claimed name is released first).
        """
        saving = Stopwatch()
        # history.keep_images = watchlist: no image of a scene whose plates no watch-list entry matches.
        keep = self.recorder is None or self.recorder.keep_images(
            [r.plate_number for r in analysis.readings if r.plate_number])
        store = self.store if keep else self.store.without_images()
        prefix = store.claim(wanted_prefix)
        try:
            return self._save_claimed(store, request, decoded, analysis, prefix, moment, watch, saving)
        except OSError:
            store.discard(prefix)
            raise

    def _save_claimed(self, store: ArtefactStore, request: ImageRequest, decoded: DecodedImage,
                      analysis: SceneAnalysis, prefix: str, moment: datetime, watch: Stopwatch,
                      saving: Stopwatch) -> PipelineOutput:
        image = decoded.image
        vehicles, plates = analysis.vehicles, analysis.plates
        dirs, det = store.dirs, self.settings.detection
        uploaded = store.save_upload(dirs.uploaded_vehicle, prefix, request.content, decoded.extension)
        vehicle_paths = self._save_crops(store, image, vehicles, dirs.cropped_vehicle, prefix, "vehicle",
                                         det.vehicle_padding)
        plate_paths = self._save_crops(store, image, plates, dirs.cropped_plate, prefix, "plate", det.plate_padding)
        plate_labels = [r.plate_number or "plate" for r in analysis.readings]
        detected_vehicle = store.save_image(
            dirs.detected_vehicle, f"{prefix}_detected_vehicle_image.jpg",
            annotate.draw_boxes(image, vehicles, annotate.VEHICLE_COLOR))
        detected_plate = store.save_image(
            dirs.detected_plate, f"{prefix}_detected_plate_image.jpg",
            annotate.draw_boxes(image, plates, annotate.PLATE_COLOR, plate_labels))
        times = replace(analysis.times, saving_ms=saving.elapsed_ms())
        output = PipelineOutput(
            timestamp=moment.isoformat(),
            original_filename=request.file_name,
            uploaded_image_path=uploaded,
            detected_vehicle_image_path=detected_vehicle,
            detected_plate_image_path=detected_plate,
            results_path=self.store.dirs.display(self.store.results_path(prefix)),
            times=times,
            detections=analysis.detections(vehicle_paths, plate_paths),
            width=analysis.width,
            height=analysis.height,
        )
        times.total_ms = watch.elapsed_ms()
        self.store.save_results(prefix, saved_document(pipeline_document(output), request.file_name))
        # The read history, once the results file is written (a failed write records it once, unsaved).
        if self.recorder is not None:
            self.recorder.record(output, request)
        return output

    def process(self, request: ImageRequest) -> PipelineOutput:
        """Full pipeline for one uploaded image: decode, analyze, save."""
        watch = Stopwatch()
        wanted_prefix, moment = self.naming(request)
        decode = Stopwatch()
        decoded = self.decode(request)
        decode_ms = decode.elapsed_ms()
        analysis = self.analyze(decoded.image)
        analysis = replace(analysis, times=replace(analysis.times, decode_ms=decode_ms))
        try:
            return self.save(request, decoded, analysis, wanted_prefix=wanted_prefix, moment=moment, watch=watch)
        except OSError as exc:  # a full or read-only disk loses the artefacts, never the read
            return self._unsaved(request, analysis, moment, watch, self.store.record_failure(exc))

    def _unsaved(self, request: ImageRequest, analysis: SceneAnalysis, moment: datetime, watch: Stopwatch,
                 warning: str) -> PipelineOutput:
        """The answer for an image whose artefacts could not be written: every path empty, a warning."""
        times = replace(analysis.times, total_ms=watch.elapsed_ms())
        output = PipelineOutput(
            timestamp=moment.isoformat(), original_filename=request.file_name, uploaded_image_path="",
            detected_vehicle_image_path="", detected_plate_image_path="", results_path="", times=times,
            detections=analysis.detections([""] * len(analysis.vehicles), [""] * len(analysis.plates)),
            width=analysis.width, height=analysis.height, storage_warning=warning)
        if self.recorder is not None:  # the read is kept in the history even when its images are not
            self.recorder.record(output, request)
        return output

    def _detection_stage(self, request: ImageRequest, kind: str) -> DetectionStageOutput:
        """One detector alone ("vehicle" or "plate"), with the upload, annotated image and crops saved."""
        watch = Stopwatch()
        wanted_prefix, moment = self.naming(request)
        decoded = self.decode(request)
        stage = Stopwatch()
        with self._inference_slot():
            found = self._vehicles(decoded.image) if kind == "vehicle" else self._plates(decoded.image)
        stage_ms = stage.elapsed_ms()
        try:
            prefix = self.store.claim(wanted_prefix)
        except OSError as exc:
            return DetectionStageOutput(moment.isoformat(), "", "", found, [""] * len(found), stage_ms,
                                        watch.elapsed_ms(), self.store.record_failure(exc))
        try:
            return self._save_stage(request, decoded, kind, found, prefix, moment, watch, stage_ms)
        except OSError as exc:
            self.store.discard(prefix)
            return DetectionStageOutput(moment.isoformat(), "", "", found, [""] * len(found), stage_ms,
                                        watch.elapsed_ms(), self.store.record_failure(exc))

    def _save_stage(self, request: ImageRequest, decoded: DecodedImage, kind: str, found: list[Detection],
                    prefix: str, moment: datetime, watch: Stopwatch, stage_ms: float) -> DetectionStageOutput:
        dirs, det = self.store.dirs, self.settings.detection
        uploaded_dir, detected_dir, cropped_dir, padding, color = (
            (dirs.uploaded_vehicle, dirs.detected_vehicle, dirs.cropped_vehicle, det.vehicle_padding,
             annotate.VEHICLE_COLOR) if kind == "vehicle" else
            (dirs.uploaded_plate, dirs.detected_plate, dirs.cropped_plate, det.plate_padding, annotate.PLATE_COLOR))
        uploaded = self.store.save_upload(uploaded_dir, prefix, request.content, decoded.extension)
        detected = self.store.save_image(detected_dir, f"{prefix}_detected_{kind}_image.jpg",
                                         annotate.draw_boxes(decoded.image, found, color))
        paths = self._save_crops(self.store, decoded.image, found, cropped_dir, prefix, kind, padding)
        result = DetectionStageOutput(moment.isoformat(), uploaded, detected, found, paths, stage_ms,
                                      watch.elapsed_ms())
        self.store.save_results(prefix, {
            **saved_document(detection_stage_document(result, kind), request.file_name),
            "stage": f"{kind}_detection", "timestamp": result.timestamp,
        })
        return result

    def detect_vehicles(self, request: ImageRequest) -> DetectionStageOutput:
        """Vehicle detection only."""
        return self._detection_stage(request, "vehicle")

    def detect_plates(self, request: ImageRequest) -> DetectionStageOutput:
        """Plate detection only."""
        return self._detection_stage(request, "plate")

    def read_plate(self, request: ImageRequest, *, with_region: bool) -> ReadOutput:
        """OCR (with_region=False) or full recognition of one plate image."""
        watch = Stopwatch()
        decoded = self.decode(request, scene=False)
        stage = Stopwatch()
        read = self._ocr().read([decoded.image])[0]
        reading = self.verifier.verify(
            recognize(decoded.image, read) if with_region else ocr_only(decoded.image, read))
        stage_ms = stage.elapsed_ms()
        moment = self._now().astimezone(self.settings.tz)
        output = ReadOutput(moment.isoformat(), [reading], stage_ms, watch.elapsed_ms())
        if with_region and self.recorder is not None:  # a recognised plate crop is a read too (no artefacts)
            self.recorder.record_plate_reads(output, request)
        return output
