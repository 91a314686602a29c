"""Video accuracy through the REST endpoint: one read per vehicle, duplicates, junk.

Builds 1280x720 10 fps videos from a labelled photo set (scripts/make_test_videos.py: each photo a
vehicle approaching with jitter, blur, JPEG noise and occlusions, several per video), starts the real
gRPC server on a free port and the REST bridge in-process, posts every video to
POST /galaxy-alpr/v1/video/process-video and compares the vehicles with the truth:

- reported: a truth vehicle with a report of its own (read or not), each report counting for the truth
  vehicle it shares the most time in view with (merged vehicles leave one unreported);
- read exactly: a truth vehicle with a reported vehicle whose plate equals its plate (spaces ignored,
  O/0 and I/1 folded) and whose time span overlaps the truth vehicle's time in view;
- reported twice: a truth vehicle with two or more reported vehicles whose plates are within edit
  distance 2 of its plate, in its time in view;
- events with a plate that matches no vehicle: reported vehicles (FINAL events) with a plate that
  equals no truth plate of the video (strict: a misread counts), and, looser, that is further than
  edit distance 2 from every truth plate (junk: background plates, badges).

    python scripts/measure_video.py --set indonesia-exchioz [--out bench/results/video_accuracy.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "clients" / "stubs")]

from scripts.make_test_videos import DATA_ROOT, KIND_NOTES, KINDS, VideoPlan, make_set  # noqa: E402
from server.plates.metrics import edit_distance  # noqa: E402


def fold(text: str) -> str:
    """Text as compared: alphanumerics only, O as 0, I as 1."""
    return "".join(c for c in text.upper() if c.isalnum()).replace("O", "0").replace("I", "1")


def _overlaps(v: dict[str, Any], enter: float, leave: float, slack: float = 0.5) -> bool:
    return bool(v["first_seen_s"] <= leave + slack and v["last_seen_s"] >= enter - slack)


def _time_overlap(v: dict[str, Any], enter: float, leave: float) -> float:
    return max(0.0, min(float(v["last_seen_s"]), leave) - max(float(v["first_seen_s"]), enter))


def reported_vehicles(plan: VideoPlan, vehicles: list[dict[str, Any]]) -> int:
    """Truth vehicles with a report of their own, read or not. A report whose plate is within edit distance 2
    of a truth plate in view counts for that vehicle; any other report (unread, misread) counts for the
    unclaimed truth vehicle it shares the most time in view with. Two vehicles merged into one track leave
    one of them unreported; a vehicle split into two tracks is still one."""
    truth = [(fold(a.plate), a.enter_s, a.leave_s) for a in plan.vehicles]
    owners: set[int] = set()
    others = []
    for v in vehicles:
        text = fold(v["plate_number"])
        near = [n for n, (t, enter, leave) in enumerate(truth)
                if text and _overlaps(v, enter, leave) and edit_distance(text, t) <= 2]
        if near:
            owners.add(near[0])
        else:
            others.append(v)
    for v in others:
        shares = {n: _time_overlap(v, enter, leave) for n, (_, enter, leave) in enumerate(truth) if n not in owners}
        if shares and max(shares.values()) > 0:
            owners.add(max(shares, key=lambda n: shares[n]))
    return len(owners)


def score_video(plan: VideoPlan, vehicles: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-video counts and the per-vehicle verdicts."""
    truth = [(fold(a.plate), a.enter_s, a.leave_s, a.plate) for a in plan.vehicles]
    plates = [v for v in vehicles if v["plate_number"]]
    rows: list[dict[str, Any]] = []
    for text, enter, leave, label in truth:
        near = [v for v in plates if _overlaps(v, enter, leave) and edit_distance(fold(v["plate_number"]), text) <= 2]
        exact = any(fold(v["plate_number"]) == text for v in near)
        rows.append({"truth": label, "exact": exact, "reports": len(near),
                     "read": [v["plate_number"] for v in near] or [v["plate_number"] for v in plates
                                                                    if _overlaps(v, enter, leave)]})
    truth_texts = {t[0] for t in truth}
    unmatched = [v["plate_number"] for v in plates if fold(v["plate_number"]) not in truth_texts]
    junk = [p for p in unmatched if all(edit_distance(fold(p), t) > 2 for t in truth_texts)]
    return {"video": plan.path.name, "vehicles": len(truth), "exact": sum(r["exact"] for r in rows),
            "reported": reported_vehicles(plan, vehicles),
            "twice": sum(r["reports"] >= 2 for r in rows), "events_with_plate": len(plates),
            "events_unmatched": len(unmatched), "events_junk": len(junk), "unread_reports": len(vehicles) - len(plates),
            "rows": rows, "unmatched": unmatched}


def _pct(a: int, b: int) -> float:
    return round(100.0 * a / b, 1) if b else 0.0


def _summary(results: list[dict[str, Any]], frames: int, server_ms: float) -> dict[str, Any]:
    vehicles = sum(r["vehicles"] for r in results)
    events = sum(r["events_with_plate"] for r in results)
    return {
        "videos": len(results), "vehicles": vehicles,
        "reported_pct": _pct(sum(r["reported"] for r in results), vehicles),
        "read_exactly_pct": _pct(sum(r["exact"] for r in results), vehicles),
        "reported_twice_pct": _pct(sum(r["twice"] for r in results), vehicles),
        "events_with_plate": events,
        "events_matching_no_vehicle_pct": _pct(sum(r["events_unmatched"] for r in results), events),
        "events_junk_pct": _pct(sum(r["events_junk"] for r in results), events),
        "frames": frames, "server_ms_per_frame": round(server_ms / frames, 1) if frames else 0.0,
    }


def main() -> int:
    """Generate, post, score, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", default="indonesia-exchioz")
    parser.add_argument("--per-video", type=int, default=8)
    parser.add_argument("--limit", type=int, default=0, help="only the first N photos")
    parser.add_argument("--videos", type=Path, help="reuse/keep the generated videos here")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "video_accuracy.json")
    parser.add_argument("--distinct", action="store_true", help="only the first photo of each plate text")
    parser.add_argument("--kinds", default="",
                        help="comma-separated traffic kinds (" + ", ".join(KINDS) + ") or 'all'; "
                             "default: the classic spaced approach videos")
    parser.add_argument("--tuning", action="store_true",
                        help="allow a *-train set: for choosing settings, never for reporting accuracy")
    args = parser.parse_args()
    if args.set.endswith("-train") and not args.tuning:
        parser.error("*-train sets are for training (or, with --tuning, for choosing settings), never for measuring")
    if not (DATA_ROOT / args.set / "labels.jsonl").is_file():
        print(f"data set {DATA_ROOT / args.set} is absent", file=sys.stderr)
        return 2
    kinds = list(KINDS) if args.kinds == "all" else [k for k in args.kinds.split(",") if k] or [""]
    unknown = [k for k in kinds if k and k not in KINDS]
    if unknown:
        parser.error(f"unknown kinds {unknown}; one of {', '.join(KINDS)}")

    from fastapi.testclient import TestClient

    from rest_bridge.main import create_app
    from rest_bridge.settings import BridgeSettings
    from server.bootstrap import build_service
    from server.config import load_settings
    from server.grpc_api.app import create_server

    work = Path(tempfile.mkdtemp(prefix="video-measure-"))
    videos = args.videos or work / "videos"
    env = {k: v for k, v in os.environ.items() if k.startswith("GALAXY_ALPR__")}
    defaults = load_settings(environ=env)
    models = {f"GALAXY_ALPR__MODELS__{key.upper()}": str((ROOT / path) if not Path(path).is_absolute() else path)
              for key, path in defaults.models.model_dump().items()}
    settings = load_settings(environ={"GALAXY_ALPR__OCR__PROVIDER": "local", "GALAXY_ALPR__BASE_DIR": str(work),
                                      **models, **env})
    service = build_service(settings)
    server, port, _ = create_server(service.servicer, "127.0.0.1:0", video=service.video)
    server.start()
    per_kind: dict[str, Any] = {}
    try:
        with TestClient(create_app(BridgeSettings(grpc_target=f"127.0.0.1:{port}"))) as client:
            for kind in kinds:
                plans = make_set(args.set, videos, per_video=args.per_video, limit=args.limit,
                                 distinct=args.distinct, kind=kind)
                results, frames, server_ms = [], 0, 0.0
                for plan in plans:
                    with plan.path.open("rb") as handle:
                        started = time.perf_counter()
                        r = client.post("/galaxy-alpr/v1/video/process-video",
                                        files={"file": (plan.path.name, handle)})
                        elapsed = time.perf_counter() - started
                    r.raise_for_status()
                    data = r.json()["data"]
                    frames += data["video"]["frames"]
                    server_ms += data["processing_time_ms"]
                    scored = score_video(plan, data["vehicles"])
                    scored["seconds"] = round(elapsed, 1)
                    results.append(scored)
                    print(f"{plan.path.name}: {scored['exact']}/{scored['vehicles']} exact, "
                          f"{scored['reported']} reported, {scored['twice']} twice, {scored['events_unmatched']} "
                          f"unmatched of {scored['events_with_plate']} plates ({scored['events_junk']} junk), "
                          f"{elapsed:.0f} s", flush=True)
                    for row in scored["rows"]:
                        if not row["exact"] or row["reports"] > 1:
                            print(f"    {row['truth']}: {row['read']}")
                name = kind or "classic"
                per_kind[name] = {**_summary(results, frames, server_ms),
                                  "what": KIND_NOTES.get(kind, "the classic approach videos"), "per_video": results}
    finally:
        server.stop(grace=None)
        service.close()
    summary = {
        "set": args.set, "kinds": {k: {kk: vv for kk, vv in v.items() if kk != "per_video"}
                                   for k, v in per_kind.items()},
        "settings": {"sample_fps": settings.video.sample_fps, "track_lost_s": settings.video.track_lost_s,
                     "max_prediction_delay_s": settings.video.max_prediction_delay_s},
        "per_kind": per_kind,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "per_kind"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
