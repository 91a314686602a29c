"""The thread plan: thread counts per plan, mode and core count; never more detector threads than cores."""

from __future__ import annotations

import pytest

from server.config import Settings
from server.thread_plan import MAX_INTRA_OP, ThreadPlan, apply_thread_plan, resolve_plan


def _settings(plan: str, mode: str = "unified", **runtime: object) -> Settings:
    return Settings.model_validate({"runtime": {"thread_plan": plan, **runtime}, "detection": {"mode": mode}})


def test_manual_keeps_the_keys_as_written() -> None:
    s = _settings("manual", "two_detectors", intra_op_threads=2, concurrent_detectors=True)
    assert resolve_plan(s, 2) == ThreadPlan(2, 1, True, 2, 0)
    assert apply_thread_plan(s, 2) is s


def test_latency_on_two_cores_unified_one_image_two_threads_one_slot() -> None:
    assert resolve_plan(_settings("latency"), 2) == ThreadPlan(2, 1, False, 2, 1)


def test_latency_on_two_cores_two_detectors_one_thread_each() -> None:
    assert resolve_plan(_settings("latency", "two_detectors"), 2) == ThreadPlan(1, 1, True, 2, 1)


def test_latency_on_many_cores_caps_threads_and_adds_slots() -> None:
    plan = resolve_plan(_settings("latency"), 16)
    assert plan.intra_op_threads == MAX_INTRA_OP
    assert plan.inference_slots == 16 // MAX_INTRA_OP
    assert plan.stage_workers == 16


def test_throughput_is_one_thread_per_image_one_image_per_core() -> None:
    assert resolve_plan(_settings("throughput", "two_detectors"), 2) == ThreadPlan(1, 1, False, 2, 2)
    assert resolve_plan(_settings("throughput"), 16) == ThreadPlan(1, 1, False, 16, 16)


@pytest.mark.parametrize("plan", ["latency", "throughput"])
@pytest.mark.parametrize("mode", ["unified", "two_detectors"])
@pytest.mark.parametrize("cores", [1, 2, 3, 8, 64])
def test_detection_threads_never_outnumber_the_cores(plan: str, mode: str, cores: int) -> None:
    p = resolve_plan(_settings(plan, mode), cores)
    per_image = 2 if p.concurrent_detectors else 1
    assert p.inference_slots >= 1
    assert p.inference_slots * p.intra_op_threads * per_image <= max(cores, 1)


def test_apply_writes_the_plan_into_the_settings() -> None:
    applied = apply_thread_plan(_settings("throughput", "two_detectors"), 2)
    assert applied.runtime.intra_op_threads == 1
    assert applied.runtime.concurrent_detectors is False
    assert applied.runtime.inference_slots == 2
    assert applied.server.stage_threads == 2
