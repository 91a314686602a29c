"""The video REST endpoints through the bridge and a real gRPC server."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scripts.make_test_videos import VideoPlan

VEHICLE_KEYS = {
    "track_id", "plate_number", "confidence", "votes", "frames_seen", "first_seen_s", "last_seen_s",
    "vehicle_class", "direction", "candidates", "plate_region_code", "plate_region_name", "plate_type",
    "plate_date", "plate_text_color", "plate_background_color", "best_frame_s", "best_plate_image_path",
    "best_vehicle_image_path", "plate_valid", "first_frame", "last_frame",
}


def test_process_video(client: TestClient, two_vehicles: VideoPlan) -> None:
    with two_vehicles.path.open("rb") as handle:
        r = client.post("/galaxy-alpr/v1/video/process-video",
                        files={"file": ("clip.bin", handle, "application/octet-stream")},
                        data={"sample_fps": "5", "camera_id": "gate-2"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True and set(body) >= {"message", "data", "processing_time_ms", "timestamp"}
    data = body["data"]
    assert set(data) == {"video", "vehicles", "processing_time_ms"}
    assert data["video"] == {"frames": two_vehicles.frames, "frames_processed": data["video"]["frames_processed"],
                             "fps": 10.0, "duration_s": data["video"]["duration_s"], "width": 640, "height": 360}
    assert data["video"]["frames_processed"] == len(range(0, two_vehicles.frames, 2))
    assert abs(data["video"]["duration_s"] - two_vehicles.frames / 10) < 0.11
    assert data["vehicles"]
    for vehicle in data["vehicles"]:
        assert set(vehicle) == VEHICLE_KEYS
        assert isinstance(vehicle["plate_number"], str) and isinstance(vehicle["candidates"], list)
    read = [v for v in data["vehicles"] if v["plate_number"]]
    assert read and all(v["best_vehicle_image_path"] for v in read)
    saved = client.get(f"/galaxy-alpr/v1/images/{read[0]['best_plate_image_path'].split('/', 1)[1]}")
    assert saved.status_code == 200 and saved.content[:3] == b"\xff\xd8\xff"


def test_process_video_bad_input(client: TestClient) -> None:
    r = client.post("/galaxy-alpr/v1/video/process-video",
                    files={"file": ("a.mp4", b"\x89PNG\r\n\x1a\n" + bytes(100), "video/mp4")})
    assert r.status_code == 400
    body = r.json()
    assert body["success"] is False and body["reason"] == "NOT_A_VIDEO" and body["status_code"] == 400
    r = client.post("/galaxy-alpr/v1/video/process-video", files={"file": ("a.mp4", b"", "video/mp4")})
    assert r.status_code == 400 and r.json()["reason"] == "EMPTY_FILE"
    r = client.post("/galaxy-alpr/v1/video/process-video", files={"file": ("a.mp4", b"x", "video/mp4")},
                    data={"sample_fps": "-1"})
    assert r.status_code == 400


def test_health_and_stats_list_cameras(client: TestClient) -> None:
    assert client.get("/galaxy-alpr/v1/health").json()["cameras"] == []
    assert client.get("/galaxy-alpr/v1/stats").json()["statistics"]["cameras"] == []


def test_events_stream_refuses_unknown_cameras(client: TestClient) -> None:
    r = client.get("/galaxy-alpr/v1/events/stream", params={"camera_id": "nope"})
    assert r.status_code == 400 and r.json()["reason"] == "UNKNOWN_CAMERA"
