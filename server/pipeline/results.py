"""What each stage returns: framework-free results the transports convert."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.domain import Detection, PlateReading
from server.pipeline.pairing import Pair

# A rendered result document (SEED_API.md `data`): plain JSON types.
Document = dict[str, Any]


@dataclass(frozen=True)
class ImageRequest:
    """One image sent to a stage."""

    content: bytes
    file_name: str = ""
    custom_timestamp: str = ""
    batch_prefix: str = ""
    # Where the image came from, for the read history.
    request_id: str = ""
    camera_id: str = ""


@dataclass(frozen=True)
class VehicleOut:
    """A detected vehicle and its saved crop."""

    index: int
    detection: Detection
    image_path: str = ""


@dataclass(frozen=True)
class PlateOut:
    """A detected plate, its saved crop and (in the full pipeline) its reading."""

    index: int
    detection: Detection
    image_path: str = ""
    reading: PlateReading | None = None


@dataclass(frozen=True)
class PairedOut:
    """One entry of the full pipeline's detections."""

    detection_id: int
    detection_type: str
    pairing_method: str
    pairing_confidence: float
    vehicle: VehicleOut | None
    plate: PlateOut | None


@dataclass(frozen=True)
class Summary:
    """The documented summary counts."""

    total_detections: int
    vehicles_with_plates: int
    vehicles_without_plates: int
    plates_without_vehicles: int

    @classmethod
    def of(cls, detections: list[PairedOut]) -> Summary:
        """Count detection types."""
        types = [d.detection_type for d in detections]
        return cls(
            total_detections=len(types),
            vehicles_with_plates=types.count("vehicle_with_plate"),
            vehicles_without_plates=types.count("vehicle_without_plate"),
            plates_without_vehicles=types.count("plate_without_vehicle"),
        )


@dataclass
class StageTimes:
    """Per-stage server times in milliseconds."""

    decode_ms: float = 0.0
    vehicle_detection_ms: float = 0.0
    plate_detection_ms: float = 0.0
    plate_recognition_ms: float = 0.0
    pairing_ms: float = 0.0
    saving_ms: float = 0.0
    total_ms: float = 0.0


@dataclass(frozen=True)
class SceneAnalysis:
    """What the analysis step found in one decoded image (a photo or a video frame); nothing saved.

    `times` holds the analysis stages (vehicle and plate detection, recognition, pairing); the
    caller fills in decoding and saving when it does them.
    """

    width: int
    height: int
    vehicles: list[Detection]
    plates: list[Detection]
    readings: list[PlateReading]
    pairs: list[Pair]
    times: StageTimes

    def detections(self, vehicle_paths: list[str] | None = None,
                   plate_paths: list[str] | None = None) -> list[PairedOut]:
        """The paired detections (1-based indexes), with the saved crops' paths when given."""
        vpaths = vehicle_paths or [""] * len(self.vehicles)
        ppaths = plate_paths or [""] * len(self.plates)
        vehicles = [VehicleOut(i + 1, d, vpaths[i]) for i, d in enumerate(self.vehicles)]
        plates = [PlateOut(i + 1, d, ppaths[i], self.readings[i]) for i, d in enumerate(self.plates)]
        return [
            PairedOut(
                detection_id=n,
                detection_type=p.detection_type,
                pairing_method=p.method,
                pairing_confidence=p.confidence,
                vehicle=vehicles[p.vehicle_index] if p.vehicle_index is not None else None,
                plate=plates[p.plate_index] if p.plate_index is not None else None,
            )
            for n, p in enumerate(self.pairs, start=1)
        ]


@dataclass(frozen=True)
class PipelineOutput:
    """The full pipeline's answer for one image."""

    timestamp: str
    original_filename: str
    uploaded_image_path: str
    detected_vehicle_image_path: str
    detected_plate_image_path: str
    results_path: str
    times: StageTimes
    detections: list[PairedOut]
    width: int
    height: int
    storage_warning: str = ""  # set when the read is answered but its artefacts could not be saved
    # The REST `data` (result_document.pipeline_document), rendered once by ImageJob; the results file
    # and the gRPC answer's document_json carry this same document.
    document: Document = field(default_factory=dict)

    @property
    def summary(self) -> Summary:
        """The documented summary counts."""
        return Summary.of(self.detections)


@dataclass(frozen=True)
class DetectionStageOutput:
    """One detector alone: its detections (1-based index = position + 1) and their saved crops."""

    timestamp: str
    uploaded_image_path: str
    detected_image_path: str
    detections: list[Detection]
    crop_paths: list[str]
    stage_ms: float
    total_ms: float
    storage_warning: str = ""
    document: Document = field(default_factory=dict)  # the REST `data`, rendered once by ImageJob


@dataclass(frozen=True)
class ReadOutput:
    """OCR or recognition of one plate image."""

    timestamp: str
    readings: list[PlateReading] = field(default_factory=list)
    stage_ms: float = 0.0
    total_ms: float = 0.0
    document: Document = field(default_factory=dict)  # the REST `data`, rendered once by read_plate
