"""Where things are and how many iterations each section runs (quick smoke run vs full run)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from server.config import DEFAULT_CONFIG, load_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_ROOT = (REPO_ROOT / ".." / "shared" / "data").resolve()
MODELS = REPO_ROOT / "models"
# The float models `make models` prepares: VEHICLE_MODEL is the unit of the raw-inference ratio.
VEHICLE_MODEL = MODELS / "vehicle_detector.onnx"
PLATE_MODEL = MODELS / "plate_detector.onnx"
# What the service serves by default (config/config.yaml): the INT8 vehicle detector.
_SERVED = load_settings(DEFAULT_CONFIG, environ={}, dotenv=REPO_ROOT / "no.env").models
SERVED_VEHICLE_MODEL = REPO_ROOT / _SERVED.vehicle_detector
RECOGNIZER_MODEL = REPO_ROOT / _SERVED.plate_recognizer
UNIFIED_MODEL = REPO_ROOT / _SERVED.unified_detector
DEFAULT_OUT = REPO_ROOT / "bench" / "results"
# One 1280x720 photo with one car and one plate (checked at run time; the result records what was found).
HEADLINE_IMAGE = ("openalpr-us", "us_0008.jpg")
SCENE_SETS = ("openalpr-us", "indonesia-exchioz")


@dataclass(frozen=True)
class BenchConfig:
    """Iteration counts; every loop in the harness is bounded by one of these."""

    quick: bool
    stage_images: int  # images per data set for the per-stage table
    raw_iters: int  # raw onnxruntime runs
    e2e_iters: int  # headline requests per transport
    single_client_requests: int  # requests sent by the 1-client load run
    multi_clients: int  # concurrent clients of the load run
    multi_client_requests: int  # requests per client in the multi-client run
    baseline_images: int  # images for the naive ultralytics baseline (paired with ours)
    profile_iters: int  # cProfile'd pipeline calls
    exp_images: int  # images per data set in the recall experiments (0: all)
    exp_iters: int  # repetitions of a timed variant in the micro experiments
    exp_rounds: int  # alternating rounds of N-client bursts per configuration in the service experiments
    request_timeout_s: float = 120.0
    startup_timeout_s: float = 180.0
    soak_clients: int = 16  # REST clients of the bounded soak
    soak_s: float = 60.0  # how long the soak runs (the acceptance run is 180 s: --soak-s 180)

    @classmethod
    def full(cls) -> BenchConfig:
        """A few minutes (more on a busy machine)."""
        return cls(quick=False, stage_images=20, raw_iters=30, e2e_iters=15, single_client_requests=10,
                   multi_clients=8, multi_client_requests=3, baseline_images=12, profile_iters=5,
                   exp_images=40, exp_iters=12, exp_rounds=2)

    @classmethod
    def quick_run(cls) -> BenchConfig:
        """A smoke run: every section with a few iterations."""
        return cls(quick=True, stage_images=2, raw_iters=5, e2e_iters=3, single_client_requests=2,
                   multi_clients=8, multi_client_requests=1, baseline_images=2, profile_iters=1,
                   exp_images=4, exp_iters=2, exp_rounds=1, soak_s=10.0)
