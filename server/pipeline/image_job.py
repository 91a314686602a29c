"""One image's side effects: claim its name, save its artefacts, render its document once, record its reads.

The analysis itself is `SceneAnalyzer`'s (no I/O); this is everything around it. A full or read-only
disk loses the artefacts, never the answer or the read (`storage_warning`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from server.config import Settings
from server.domain import Detection, Image
from server.imaging.decode import DecodedImage
from server.pipeline import annotate
from server.pipeline.clock import Stopwatch
from server.pipeline.ports import ReadRecorder
from server.pipeline.result_document import detection_stage_document, pipeline_document, saved_document
from server.pipeline.results import DetectionStageOutput, ImageRequest, PipelineOutput, SceneAnalysis
from server.storage.artefacts import ArtefactStore


class ImageJob:
    """Saves and records what the analyzer found in one uploaded image."""

    def __init__(self, settings: Settings, store: ArtefactStore, recorder: ReadRecorder | None) -> None:
        self.settings = settings
        self.store = store
        self.recorder = recorder

    # ---- the full pipeline ---------------------------------------------------------------
    def finish(self, request: ImageRequest, decoded: DecodedImage, analysis: SceneAnalysis, *,
               wanted_prefix: str, moment: datetime, watch: Stopwatch) -> PipelineOutput:
        """Save (or, when the disk fails, answer without artefacts) and record; the output carries its document.

        `watch` started with the request: the document's total_ms covers everything but writing the
        results file itself.
        """
        try:
            output = self._save(request, decoded, analysis, wanted_prefix, moment, watch)
        except OSError as exc:
            output = self._unsaved(request, analysis, moment, watch, self.store.record_failure(exc))
        # The read history, once the results file is written (a failed write records it once, unsaved).
        if self.recorder is not None:
            self.recorder.record(output, request)
        return output

    def _save(self, request: ImageRequest, decoded: DecodedImage, analysis: SceneAnalysis, wanted_prefix: str,
              moment: datetime, watch: Stopwatch) -> PipelineOutput:
        saving = Stopwatch()
        # history.keep_images = watchlist: no image of a scene whose plates no watch-list entry matches.
        keep = self.recorder is None or self.recorder.keep_images(
            [r.plate_number for r in analysis.readings if r.plate_number])
        store = self.store if keep else self.store.without_images()
        prefix = store.claim(wanted_prefix)
        try:
            output = self._write_artefacts(store, request, decoded, analysis, prefix, moment, watch, saving)
            self.store.save_results(prefix, saved_document(output.document, request.file_name))
        except OSError:
            store.discard(prefix)
            raise
        return output

    def _write_artefacts(self, store: ArtefactStore, request: ImageRequest, decoded: DecodedImage,
                         analysis: SceneAnalysis, prefix: str, moment: datetime, watch: Stopwatch,
                         saving: Stopwatch) -> PipelineOutput:
        image = decoded.image
        vehicles, plates = analysis.vehicles, analysis.plates
        dirs, det = store.dirs, self.settings.detection
        uploaded = store.save_upload(dirs.uploaded_vehicle, prefix, request.content, decoded.extension)
        vehicle_paths = _save_crops(store, image, vehicles, dirs.cropped_vehicle, prefix, "vehicle",
                                    det.vehicle_padding)
        plate_paths = _save_crops(store, image, plates, dirs.cropped_plate, prefix, "plate", det.plate_padding)
        plate_labels = [r.plate_number or "plate" for r in analysis.readings]
        detected_vehicle = store.save_image(
            dirs.detected_vehicle, f"{prefix}_detected_vehicle_image.jpg",
            annotate.draw_boxes(image, vehicles, annotate.VEHICLE_COLOR))
        detected_plate = store.save_image(
            dirs.detected_plate, f"{prefix}_detected_plate_image.jpg",
            annotate.draw_boxes(image, plates, annotate.PLATE_COLOR, plate_labels))
        times = replace(analysis.times, saving_ms=saving.elapsed_ms())
        times.total_ms = watch.elapsed_ms()
        return _rendered(PipelineOutput(
            timestamp=moment.isoformat(), original_filename=request.file_name, uploaded_image_path=uploaded,
            detected_vehicle_image_path=detected_vehicle, detected_plate_image_path=detected_plate,
            results_path=self.store.dirs.display(self.store.results_path(prefix)), times=times,
            detections=analysis.detections(vehicle_paths, plate_paths), width=analysis.width,
            height=analysis.height))

    @staticmethod
    def _unsaved(request: ImageRequest, analysis: SceneAnalysis, moment: datetime, watch: Stopwatch,
                 warning: str) -> PipelineOutput:
        """The answer for an image whose artefacts could not be written: every path empty, a warning."""
        times = replace(analysis.times, total_ms=watch.elapsed_ms())
        return _rendered(PipelineOutput(
            timestamp=moment.isoformat(), original_filename=request.file_name, uploaded_image_path="",
            detected_vehicle_image_path="", detected_plate_image_path="", results_path="", times=times,
            detections=analysis.detections(), width=analysis.width, height=analysis.height,
            storage_warning=warning))

    # ---- one detector alone --------------------------------------------------------------
    def finish_stage(self, request: ImageRequest, decoded: DecodedImage, kind: str, found: list[Detection], *,
                     wanted_prefix: str, moment: datetime, watch: Stopwatch, stage_ms: float) -> DetectionStageOutput:
        """The upload, annotated image and crops of one detector's result ("vehicle" or "plate"), saved."""
        prefix = ""
        try:
            prefix = self.store.claim(wanted_prefix)
            return self._save_stage(request, decoded, kind, found, prefix, moment, watch, stage_ms)
        except OSError as exc:
            if prefix:
                self.store.discard(prefix)
            return _rendered_stage(DetectionStageOutput(
                moment.isoformat(), "", "", found, [""] * len(found), stage_ms, watch.elapsed_ms(),
                self.store.record_failure(exc)), kind)

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
        paths = _save_crops(self.store, decoded.image, found, cropped_dir, prefix, kind, padding)
        result = _rendered_stage(DetectionStageOutput(moment.isoformat(), uploaded, detected, found, paths, stage_ms,
                                                      watch.elapsed_ms()), kind)
        self.store.save_results(prefix, {**saved_document(result.document, request.file_name),
                                         "stage": f"{kind}_detection", "timestamp": result.timestamp})
        return result


def _rendered(out: PipelineOutput) -> PipelineOutput:
    """The output with its REST `data` rendered (once: the results file and the gRPC answer carry it)."""
    return replace(out, document=pipeline_document(out))


def _rendered_stage(out: DetectionStageOutput, kind: str) -> DetectionStageOutput:
    return replace(out, document=detection_stage_document(out, kind))


def _save_crops(store: ArtefactStore, image: Image, dets: list[Detection], directory: Path, prefix: str,
                kind: str, padding: int) -> list[str]:
    return [store.save_image(directory, f"{prefix}_detected_{kind}{i}.jpg", annotate.crop(image, d, padding))
            for i, d in enumerate(dets, start=1)]
