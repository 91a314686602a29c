"""galaxy-alpr video FILE against a real gRPC server: events and the summary as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

from clients.cli import main
from scripts.make_test_videos import VideoPlan


def test_video_file_writes_events_then_the_summary(grpc_target: str, two_vehicles: VideoPlan, tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    assert main(["video", str(two_vehicles.path), "--target", grpc_target, "-o", str(out), "--camera-id", "cli"]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert records and "video" in records[-1] and records[-1]["video"]["frames"] == two_vehicles.frames
    events = records[:-1]
    assert events and all(e["source_id"] == "cli" for e in events)
    assert {e["kind"] for e in events} <= {"TRACK_EVENT_KIND_NEW", "TRACK_EVENT_KIND_UPDATE", "TRACK_EVENT_KIND_FINAL"}
    finals = [e["vehicle"]["track_id"] for e in events if e["kind"] == "TRACK_EVENT_KIND_FINAL"]
    assert len(finals) == len(set(finals)) == len(records[-1]["vehicles"])


def test_video_missing_file_and_bad_video(grpc_target: str, tmp_path: Path) -> None:
    assert main(["video", str(tmp_path / "nope.mp4"), "--target", grpc_target]) == 2
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 10)
    assert main(["video", str(bad), "--target", grpc_target, "-o", str(tmp_path / "o.jsonl")]) == 3
