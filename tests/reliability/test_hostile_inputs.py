"""The generated hostile corpus through both transports of a running service: clear 4xx, never 5xx,
and the service stays healthy (bounded: a few hundred kilobytes of input in all, seconds)."""

from __future__ import annotations

import grpc
import pytest
from fastapi.testclient import TestClient

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2
from rest_bridge.main import create_app
from rest_bridge.settings import BridgeSettings
from tests.reliability.corpus import hostile_corpus, polyglot_jpeg

API = "/galaxy-alpr/v1"
CORPUS = list(hostile_corpus())
ROUTES = ("alpr-core/process-single-image", "vehicle/detect-vehicle", "plate/detect-plate")


@pytest.fixture(scope="module")
def rest(grpc_target: str) -> TestClient:
    client = TestClient(create_app(BridgeSettings(grpc_target=grpc_target)))
    client.__enter__()
    return client


@pytest.mark.parametrize(("name", "data", "reason"), CORPUS, ids=[c[0] for c in CORPUS])
def test_each_input_is_a_clear_4xx_on_every_route(rest: TestClient, name: str, data: bytes, reason: str) -> None:
    for route in ROUTES:
        r = rest.post(f"{API}/{route}", files={"file": (f"{name}.png", data, "image/png")})
        body = r.json()
        assert 400 <= r.status_code < 500, (route, r.status_code, body)
        assert body["success"] is False and body["reason"] == reason, (route, body)


def test_the_corpus_in_one_batch_and_over_grpc(rest: TestClient, grpc_target: str) -> None:
    files = [("files", (f"{n}.png", d, "image/png")) for n, d, _ in CORPUS[:10]]
    r = rest.post(f"{API}/alpr-core/process-multiple-images", files=files)
    assert r.status_code in (400, 413) and r.json()["reason"] == "BATCH_FAILED"
    assert [e["reason"] for e in r.json()["data"]["results"]] == [c[2] for c in CORPUS[:10]]
    with grpc.insecure_channel(grpc_target) as channel:
        stub = pb_grpc.AlprServiceStub(channel)
        requests = [pb.ProcessImagesRequest(request_id=n, image=types_pb2.ImageInput(content=d, file_name=f"{n}.png"))
                    for n, d, _ in CORPUS]
        answers = {a.request_id: a for a in stub.ProcessImages(iter(requests), timeout=60)}
    for name, _, reason in CORPUS:
        assert answers[name].error.reason == reason
        assert answers[name].error.code in (grpc.StatusCode.INVALID_ARGUMENT.value[0],
                                            grpc.StatusCode.RESOURCE_EXHAUSTED.value[0])
    assert rest.get(f"{API}/health").json()["status"] in ("healthy", "degraded")
    assert rest.get(f"{API}/health").status_code == 200


def test_a_polyglot_is_served_back_inert(rest: TestClient) -> None:
    r = rest.post(f"{API}/vehicle/detect-vehicle", files={"file": ("x.jpg", polyglot_jpeg(), "image/jpeg")})
    if r.status_code != 200:  # too small a scene for the minimum resolution: still a clean 4xx
        assert 400 <= r.status_code < 500
        return
    stored = r.json()["data"]["uploaded_image_path"].split("/", 1)[1]
    served = rest.get(f"{API}/images/{stored}")
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
