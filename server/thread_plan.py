"""The thread plan: how many onnxruntime and pipeline threads share the cores (runtime.thread_plan).

Threads that compute at the same time, per plan (C cores; "sessions per image" is 2 for two
concurrent detectors, else 1):

- manual: the keys as written (today's default was 2 detectors x 2 intra-op threads on 2 cores:
  4 computing threads for one image, more under load);
- latency: each image's detector sessions get C / sessions-per-image intra-op threads (at most
  MAX_INTRA_OP: a YOLOv8n at 640 gains little beyond), and only C / (threads per image) images are
  in detection at once (runtime.inference_slots), so detection never runs more threads than cores;
  on 2 cores: one image at a time with 2 threads, the next image waiting for the slot;
- throughput: 1 intra-op thread per session, detectors one after the other, C stage threads and
  C slots: at most C computing threads whatever the load; one image is slower, C images finish per
  image time. For servers under load.

The small OCR sessions get the same intra-op count; an image in OCR or saving does not hold a slot,
so those stages overlap the next image's detection.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from server.config import Settings

MAX_INTRA_OP = 4


@dataclass(frozen=True)
class ThreadPlan:
    """The resolved thread counts."""

    intra_op_threads: int
    inter_op_threads: int
    concurrent_detectors: bool
    stage_workers: int
    inference_slots: int  # images in detection at once; 0: no limit


def resolve_plan(settings: Settings, cores: int) -> ThreadPlan:
    """The thread counts `settings` asks for on a machine with `cores` cores."""
    runtime, cores = settings.runtime, max(1, cores)
    if runtime.thread_plan == "manual":
        return ThreadPlan(runtime.intra_op_threads, runtime.inter_op_threads, runtime.concurrent_detectors,
                          settings.server.stage_workers or cores, runtime.inference_slots)
    if runtime.thread_plan == "throughput":
        return ThreadPlan(1, 1, False, cores, cores)
    concurrent = settings.detection.mode == "two_detectors" and runtime.concurrent_detectors and cores >= 2
    per_image = 2 if concurrent else 1
    intra = max(1, min(MAX_INTRA_OP, cores // per_image))
    return ThreadPlan(intra, 1, concurrent, cores, max(1, cores // (intra * per_image)))


def apply_thread_plan(settings: Settings, cores: int | None = None) -> Settings:
    """Settings with the plan's thread counts written into runtime and server (manual: unchanged)."""
    if settings.runtime.thread_plan == "manual":
        return settings
    plan = resolve_plan(settings, cores or os.cpu_count() or 1)
    runtime = settings.runtime.model_copy(update={
        "intra_op_threads": plan.intra_op_threads, "inter_op_threads": plan.inter_op_threads,
        "concurrent_detectors": plan.concurrent_detectors, "inference_slots": plan.inference_slots})
    server = settings.server.model_copy(update={"stage_workers": plan.stage_workers})
    return settings.model_copy(update={"runtime": runtime, "server": server})
