"""Fit the confidence calibration (models/confidence_calibration.json) on the held-out part of the *-train sets.

Usage: python training/calibrate.py [--model models/plate_recognizer.onnx] [--out models/confidence_calibration.json]

Reads the validation split of the real training crops (training.real_data: 15 % of the plate texts)
through the served local reader (the cascade) and fits, per reader and plate validity, Platt scaling
of the raw confidence against "the read is right" (lenient exact match). The plate detector's
confidence is calibrated the same way against "the detection is the labelled plate" on the street
photos of indonesia-exchioz-train (one photo per plate text). Prints the reliability tables and the
expected calibration error, raw and calibrated; the calibrated ECE is cross-fitted (each half of the
validation texts scored by the mapping fitted on the other half). Evaluation sets are never read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from server.bootstrap import build_service  # noqa: E402
from server.config import load_settings  # noqa: E402
from server.domain import Box, Image  # noqa: E402
from server.pipeline.scene import plate_crop  # noqa: E402
from server.plates.calibration import (  # noqa: E402
    Calibration,
    Platt,
    expected_calibration_error,
    logit,
    reliability_table,
)
from server.plates.metrics import is_exact  # noqa: E402
from server.plates.recognize import recognize  # noqa: E402
from server.plates.validity import DEFAULT_FORMATS, PlateFormats  # noqa: E402
from server.plates.verify import readers_agree  # noqa: E402
from training.real_data import fixed_crop, is_validation, load_sets  # noqa: E402

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
PHOTO_SET = "indonesia-exchioz-train"
MIN_SAMPLES = 12  # a reader/validity group with fewer reads (or one outcome only) shares its reader's mapping


@dataclass(frozen=True)
class Sample:
    """One read of a validation crop: raw confidence, reader, validity, right or wrong, and its text."""

    raw: float
    provider: str
    valid: bool
    correct: bool
    text: str
    kind: str = ""  # motorcycles / cars where the set says so
    agreed: bool = False  # the cascade's other reader read the same plate (server.plates.verify.readers_agree)


def fit_platt(raws: Sequence[float], labels: Sequence[bool], l2: float = 1.0) -> Platt:
    """Logistic regression of the labels on logit(raw): damped Newton steps, L2 pulling (slope, bias) to (1, 0).

    The pull keeps a group whose reads are (almost) all right or all wrong from running off to an
    infinite slope; with a few hundred reads it moves the fit very little.
    """
    x = np.array([logit(r) for r in raws])
    y = np.array(labels, float)
    design = np.stack([x, np.ones_like(x)], 1)
    prior = np.array([1.0, 0.0])

    def loss(w: np.ndarray) -> float:
        z = design @ w
        return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * np.sum((w - prior) ** 2))

    w = prior.copy()
    for _ in range(100):
        p = 0.5 * (1.0 + np.tanh(0.5 * (design @ w)))
        grad = design.T @ (p - y) + l2 * (w - prior)
        hess = design.T @ (design * (p * (1 - p))[:, None]) + l2 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        t, before = 1.0, loss(w)
        while loss(w - t * step) > before and t > 1e-6:
            t *= 0.5
        w = w - t * step
        if float(np.abs(t * step).max()) < 1e-9:
            break
    return Platt(float(w[0]), float(w[1]))


def fit_readers(samples: Sequence[Sample], junk: Sequence[Sample] = ()) -> dict[str, Platt]:
    """One mapping per reader (valid text), one for valid text both readers agree on, one for invalid text.

    Agreed reads get their own mapping where a reader has at least MIN_SAMPLES of them: a Platt fit
    when both outcomes occur, else the smoothed rate (right + 1) / (reads + 2); the reader's own
    mapping is then fitted on its other valid reads.

    Invalid text gets its own Platt fit where a reader has enough such reads of both outcomes;
    otherwise a constant: the smoothed rate (right + 1) / (reads + 2) of all invalid reads (the
    validation crops' and the `junk` reads of non-plate detections on the training photos).
    """
    out: dict[str, Platt] = {}
    invalid = [s for s in [*samples, *junk] if not s.valid]
    rate = (sum(s.correct for s in invalid) + 1) / (len(invalid) + 2)
    for provider in sorted({s.provider for s in [*samples, *junk]}):
        valid = [s for s in samples if s.provider == provider and s.valid]
        agreed = [s for s in valid if s.agreed]
        if len(agreed) >= MIN_SAMPLES:
            right = sum(s.correct for s in agreed)
            out[f"{provider}/agreed"] = (
                fit_platt([s.raw for s in agreed], [s.correct for s in agreed]) if 0 < right < len(agreed)
                else Platt(0.0, logit((right + 1) / (len(agreed) + 2)))
            )
            valid = [s for s in valid if not s.agreed]
        if len(valid) >= MIN_SAMPLES and len({s.correct for s in valid}) == 2:
            out[provider] = fit_platt([s.raw for s in valid], [s.correct for s in valid])
        mine = [s for s in invalid if s.provider == provider]
        if len(mine) >= MIN_SAMPLES and len({s.correct for s in mine}) == 2:
            out[f"{provider}/invalid"] = fit_platt([s.raw for s in mine], [s.correct for s in mine])
        else:
            out[f"{provider}/invalid"] = Platt(0.0, logit(rate))
    return out


def half(text: str) -> int:
    """0 or 1 from the plate text (a second split, independent of the validation split)."""
    return int(hashlib.sha256(f"calibration:{text}".encode()).hexdigest(), 16) % 2


def print_table(title: str, pairs: list[tuple[float, bool]]) -> None:
    """The reliability table and ECE of (confidence, correct) pairs."""
    print(f"\n{title}: {len(pairs)} reads, accuracy {sum(ok for _, ok in pairs) / max(1, len(pairs)):.3f}, "
          f"ECE {expected_calibration_error(pairs):.4f}")
    print("| confidence | reads | mean confidence | accuracy |\n|---|---|---|---|")
    for row in reliability_table(pairs):
        print(f"| {row.low:.1f}-{row.high:.1f} | {row.count} | {row.mean_confidence:.3f} | {row.accuracy:.3f} |")


def kinds(data: Path) -> dict[str, str]:
    """"<set>/<image>" -> motorcycles / cars: indonesia-cy261219-train is motorcycles, exchioz K1/K2 vs K3/K4."""
    out: dict[str, str] = {}
    for name in ("indonesia-cy261219-train", PHOTO_SET):
        path = data / name / "labels.jsonl"
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                prefix = str(record.get("source", "")).rsplit("/", 1)[-1].split("-", 1)[0]
                kind = "motorcycles" if name != PHOTO_SET or prefix in ("K1", "K2") else "cars"
                out[f"{name}/{record['image']}"] = kind
    return out


def read_validation(pipeline_ocr: object, data: Path, formats: PlateFormats) -> list[Sample]:
    """Every validation crop read by the served reader (raw confidences)."""
    val = [item for item in load_sets(data) if is_validation(item.text)]
    kind = kinds(data)
    samples = []
    for item in val:
        crop = fixed_crop(item)
        read = pipeline_ocr.read([crop])[0]  # type: ignore[attr-defined]
        reading = recognize(crop, read)
        samples.append(Sample(read.confidence, read.provider, formats.plate_valid(reading.plate_number),
                              is_exact(reading.plate_number, item.text), item.text, kind.get(item.file, ""),
                              readers_agree(reading)))
    return samples


def detection_samples(
    detector: object, ocr: object, data: Path, conf: float, iou: float
) -> tuple[list[tuple[float, bool]], list[Sample]]:
    """(detector confidence, is the labelled plate) for every detection on one photo per plate text,
    and the reads of the detections that are not the labelled plate (signs, badges, other text; some
    are unlabelled background plates, which the evaluation counts as wrong too)."""
    seen: set[str] = set()
    out: list[tuple[float, bool]] = []
    junk: list[Sample] = []
    folder = data / PHOTO_SET
    for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        plate = record["plates"][0]
        if plate["text"] in seen or not plate.get("box"):
            continue
        seen.add(plate["text"])
        image = cv2.imread(str(folder / record["image"]), cv2.IMREAD_COLOR)
        if image is None:
            continue
        truth = Box(*(int(v) for v in plate["box"]))
        photo: Image = np.asarray(image, np.uint8)
        for k, d in enumerate(detector.detect(photo, conf, iou)):  # type: ignore[attr-defined]
            matched = d.box.iou(truth) >= 0.5
            out.append((d.confidence, matched))
            if not matched:
                crop = plate_crop(photo, d)
                read = ocr.read([crop])[0]  # type: ignore[attr-defined]
                number = recognize(crop, read).plate_number
                if read.text:
                    reading = recognize(crop, read)
                    junk.append(Sample(read.confidence, read.provider, DEFAULT_FORMATS.plate_valid(number), False,
                                       f"{record['image']}#{k}:{number}", agreed=readers_agree(reading)))
    return out, junk


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO_ROOT / "models" / "plate_recognizer.onnx")
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "models" / "confidence_calibration.json")
    parser.add_argument("--reads", type=Path, help="cache of the reads: written after reading, reused when present")
    args = parser.parse_args(argv)
    if args.reads and args.reads.is_file():
        cached = json.loads(args.reads.read_text(encoding="utf-8"))
        samples = [Sample(**s) for s in cached["samples"]]
        detections = [(float(c), bool(ok)) for c, ok in cached["detections"]]
        junk = [Sample(**s) for s in cached["junk"]]
    else:
        samples, detections, junk = read_everything(args.model, args.data)
        if args.reads:
            args.reads.write_text(json.dumps({"samples": [s.__dict__ for s in samples], "detections": detections,
                                              "junk": [s.__dict__ for s in junk]}))
    report_and_fit(samples, detections, junk, args.model, args.out)
    return 0


def read_everything(model: Path, data: Path) -> tuple[list[Sample], list[tuple[float, bool]], list[Sample]]:
    """The validation crops through the served reader and the detections on the training photos."""
    with tempfile.TemporaryDirectory() as tmp:
        configured = load_settings(environ={}).models
        settings = load_settings(environ={
            "GALAXY_ALPR__BASE_DIR": tmp,
            "GALAXY_ALPR__OCR__PROVIDER": "local",
            "GALAXY_ALPR__MODELS__PLATE_RECOGNIZER": str(model.resolve()),
            "GALAXY_ALPR__MODELS__PLATE_DETECTOR": str(REPO_ROOT / configured.plate_detector),
            "GALAXY_ALPR__MODELS__VEHICLE_DETECTOR": str(REPO_ROOT / configured.vehicle_detector),
            "GALAXY_ALPR__MODELS__CONFIDENCE_CALIBRATION": "",
        })
        service = build_service(settings)
        try:
            samples = read_validation(service.analyzer.ocr, data, DEFAULT_FORMATS)
            det = settings.detection
            detections, junk = detection_samples(service.analyzer.plate_detector, service.analyzer.ocr, data,
                                                 det.plate_confidence_threshold, det.iou_threshold)
        finally:
            service.close()
    return samples, detections, junk


def report_and_fit(samples: list[Sample], detections: list[tuple[float, bool]], junk: list[Sample], model: Path,
                   out: Path) -> None:
    """Print the tables, fit on everything and write the calibration file."""

    for group in ("", "motorcycles", "cars"):
        mine = [s for s in samples if not group or s.kind == group]
        print(f"validation {group or 'all'}: {sum(s.correct for s in mine)}/{len(mine)} right "
              f"({sum(s.correct for s in mine) / max(1, len(mine)):.1%})")
    raw_pairs = [(s.raw, s.correct) for s in samples]
    print_table("raw reader confidence (validation split)", raw_pairs)
    for provider in sorted({s.provider for s in samples}):
        mine = [s for s in samples if s.provider == provider]
        invalid = [s for s in mine if not s.valid]
        agreed = [s for s in mine if s.valid and s.agreed]
        print(f"  {provider}: {len(mine)} reads, {sum(s.correct for s in mine)} right, "
              f"{len(invalid)} not valid plates ({sum(s.correct for s in invalid)} right), "
              f"{len(agreed)} valid and agreed by both readers ({sum(s.correct for s in agreed)} right)")
    crossed: list[tuple[float, bool]] = []
    for fold in (0, 1):
        fitted = Calibration(fit_readers([s for s in samples if half(s.text) != fold],
                                         [s for s in junk if half(s.text) != fold]))
        crossed += [(fitted.confidence(s.raw, s.provider, s.valid, agreed=s.agreed), s.correct)
                    for s in samples if half(s.text) == fold]
    print_table("calibrated, cross-fitted (each half scored by the other half's fit)", crossed)
    detection = fit_platt([c for c, _ in detections], [ok for _, ok in detections]) if detections else None
    print(f"\nnon-plate detections on {PHOTO_SET}: {len(junk)} read, {sum(not s.valid for s in junk)} not valid "
          f"plates; raw confidence >= 0.5: {sum(s.raw >= 0.5 for s in junk)}, of them valid "
          f"{sum(s.raw >= 0.5 and s.valid for s in junk)}: {[s.text.split(':')[-1] for s in junk][:40]}")
    calibration = Calibration(fit_readers(samples, junk), detection,
                              source=f"training/calibrate.py; model {model.name}; "
                                     f"{len(samples)} validation crops; {len(detections)} detections on "
                                     f"{PHOTO_SET}")
    print_table("calibrated, fitted on all of them (in-sample)",
                [(calibration.confidence(s.raw, s.provider, s.valid, agreed=s.agreed), s.correct) for s in samples])
    if detection is not None:
        print_table("plate detector confidence vs. labelled plate (raw)", detections)
        print_table("plate detector, calibrated (in-sample)", [(detection(c), ok) for c, ok in detections])
    document = {**calibration.to_json(), "model_sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
                "ece_cross_fitted": round(expected_calibration_error(crossed), 4)}
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out}: {json.dumps(calibration.to_json()['readers'])}")


if __name__ == "__main__":
    raise SystemExit(main())
