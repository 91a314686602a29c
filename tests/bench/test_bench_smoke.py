"""Smoke test of the benchmark harness: its in-process sections on 2 images, quick sizes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bench.config import BenchConfig
from bench.e2e import derived_overheads
from bench.run import run, write
from bench.stats import summarize
from tests.conftest import data_set


def test_summarize_percentiles() -> None:
    stats = summarize([float(v) for v in range(1, 101)])
    assert stats["n"] == 100 and stats["p50"] == 50.5 and stats["p99"] == 99.0 and stats["max"] == 100.0
    assert summarize([]) == {"n": 0}


def test_derived_overheads_from_p50s() -> None:
    def entry(p50: float, overhead: float) -> dict[str, dict[str, float]]:
        return {"latency_ms": {"p50": p50}, "overhead_ms": {"p50": overhead}}

    transports = {"in_process": entry(100.0, 0.0), "grpc_serve_py": entry(110.0, 6.0),
                  "rest_serve_py": entry(125.0, 20.0)}
    derived = derived_overheads(transports, raw_p50=50.0)
    assert derived["grpc_overhead_p50_ms"] == 10.0
    assert derived["bridge_overhead_p50_ms"] == 15.0
    assert derived["bridge_overhead_paired_p50_ms"] == 14.0
    assert derived["ratio_rest_p50_to_raw_p50"] == 2.5


@pytest.mark.slow
def test_quick_run_writes_expected_json(tmp_path: Path) -> None:
    data_set("openalpr-us")
    data_set("indonesia-exchioz")
    cfg = replace(BenchConfig.quick_run(), stage_images=2, raw_iters=3, profile_iters=1)
    results = run(cfg, {"stages", "raw", "profile"})
    json_path, md_path = write(results, tmp_path)
    doc = json.loads(json_path.read_text())
    assert {"schema", "mode", "machine", "headline", "runtime", "sections", "summary"} <= set(doc)
    assert {"cpu_model", "logical_cpus", "ram_gib", "onnxruntime", "onnxruntime_providers", "load_avg"} <= set(
        doc["machine"])
    sections = doc["sections"]
    assert set(sections) == {"stages", "raw", "profile"}
    for entry in sections.values():
        assert "error" not in entry, entry.get("error")
        assert len(entry["load_before"]) == 3 and len(entry["load_after"]) == 3
    for set_name in ("openalpr-us", "indonesia-exchioz"):
        stages = sections["stages"][set_name]
        assert stages["images"] == 2
        assert {"decode", "vehicle_detection", "plate_detection", "ocr", "pairing", "saving", "total"} == set(
            stages["stages_ms"])
        assert stages["stages_ms"]["total"]["p50"] > 0
    assert sections["raw"]["latency_ms"]["p50"] > 0 and sections["raw"]["input"] == [1, 3, 640, 640]
    assert sections["profile"]["focus"] and sections["profile"]["top_self_time"]
    assert doc["summary"]["raw_inference_p50_ms"] == sections["raw"]["latency_ms"]["p50"]
    assert "Per-stage latency" in md_path.read_text()
