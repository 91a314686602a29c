"""history.enabled: false: images still work, nothing is recorded, the history endpoints answer 503."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings
from server.bootstrap import build_service
from tests.conftest import data_set, labels, make_settings, serving

API = "/galaxy-alpr/v1"


def test_disabled_history(tmp_path: Path) -> None:
    service = build_service(make_settings(tmp_path, GALAXY_ALPR__HISTORY__ENABLED="false"))
    try:
        with serving(service) as target, \
                TestClient(create_app(BridgeSettings(grpc_target=target))) as client:
            record = labels("openalpr-us")[0]
            content = (data_set("openalpr-us") / record["image"]).read_bytes()
            r = client.post(f"{API}/alpr-core/process-single-image", files={"file": ("a.jpg", content, "image/jpeg")})
            assert r.status_code == 200
            for method, path in (("GET", "/history/reads"), ("GET", "/watchlist"), ("GET", "/alerts")):
                answer = client.request(method, f"{API}{path}")
                assert answer.status_code == 503 and answer.json()["reason"] == "HISTORY_DISABLED"
        assert not (tmp_path / "images_processed" / "history.db").exists()
    finally:
        service.close()
