"""The saved results file is exactly the REST `data` for its image (through a real gRPC server + bridge)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from server.bootstrap import Service
from tests.conftest import data_set, labels

API = "/galaxy-alpr/v1"


def us_photo() -> tuple[str, bytes]:
    record = labels("openalpr-us")[0]
    return record["image"], (data_set("openalpr-us") / record["image"]).read_bytes()


def saved(service: Service, results_path: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((Path(service.settings.base_dir) / results_path).read_text("utf-8"))
    return document


def newest_results(service: Service, before: set[Path]) -> Path:
    [path] = set(service.pipeline.store.dirs.results.glob("*_results.json")) - before
    return path


def test_single_image_saved_file_equals_rest_data(client: TestClient, service: Service) -> None:
    name, content = us_photo()
    r = client.post(f"{API}/alpr-core/process-single-image", files={"file": (name, content, "image/jpeg")})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["detections"], "the photo has a car and a plate"
    document = saved(service, data["results_path"])
    assert document.pop("original_filename") == name
    assert document == data
    # The same file through the image retrieval endpoint.
    served = client.get(f"{API}/images/{data['results_path'].split('/', 1)[1]}")
    assert served.status_code == 200
    assert {k: v for k, v in served.json().items() if k != "original_filename"} == data


def test_batch_entries_equal_their_saved_files(client: TestClient, service: Service) -> None:
    name, content = us_photo()
    files = [("files", (name, content, "image/jpeg")), ("files", ("again.jpg", content, "image/jpeg"))]
    r = client.post(f"{API}/alpr-core/process-multiple-images", files=files)
    assert r.status_code == 200, r.text
    for entry, filename in zip(r.json()["data"]["results"], (name, "again.jpg"), strict=True):
        data = {k: v for k, v in entry.items() if k not in ("batch_index", "success", "original_filename")}
        document = saved(service, data["results_path"])
        assert document.pop("original_filename") == filename
        assert document == data


def test_detection_stages_saved_files_hold_their_rest_data(client: TestClient, service: Service) -> None:
    name, content = us_photo()
    for path, kind in (("vehicle/detect-vehicle", "vehicle"), ("plate/detect-plate", "plate")):
        before = set(service.pipeline.store.dirs.results.glob("*_results.json"))
        r = client.post(f"{API}/{path}", files={"file": (name, content, "image/jpeg")})
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        assert data[f"list_class_{kind}"]
        document = json.loads(newest_results(service, before).read_text("utf-8"))
        assert document.pop("original_filename") == name
        assert document.pop("stage") == f"{kind}_detection"
        assert isinstance(document.pop("timestamp"), str)
        assert document == data
