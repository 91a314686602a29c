"""SIGTERM during three concurrent 10-photo batches: every image sent is answered, none lost."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest

from clients.alpr_client import AlprClient, ImageItem
from tests.conftest import data_set, labels
from tests.reliability.processes import start_server, stop

pytestmark = pytest.mark.e2e


def test_sigterm_during_concurrent_batches_answers_every_image(tmp_path: Path) -> None:
    photo = (data_set("openalpr-us") / labels("openalpr-us")[0]["image"]).read_bytes()
    # A grace period far shorter than the three batches take on this machine (30 photos' work, 15 s or
    # more on 2 cores) but twice what one photo takes even on a busy machine.
    proc, target = start_server(tmp_path, log=tmp_path / "server.log", GALAXY_ALPR__SERVER__GRACE_PERIOD_S="6",
                                GALAXY_ALPR__SERVER__MAX_INFLIGHT_IMAGES="16")
    answers: dict[int, list[tuple[str, str]]] = {b: [] for b in range(3)}
    errors: list[BaseException] = []
    started = threading.Barrier(4)

    def batch(b: int) -> None:
        try:
            with AlprClient(target, timeout_s=120) as client:
                started.wait()
                images = [ImageItem(f"b{b}-{i}.jpg", photo) for i in range(10)]
                for item, response in client.process_images(images):
                    answers[b].append((item.name, response.error.reason if response.HasField("error") else "ok"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    try:
        workers = [threading.Thread(target=batch, args=(b,)) for b in range(3)]
        for w in workers:
            w.start()
        started.wait()
        deadline = time.monotonic() + 120
        while not any(answers.values()):  # the batches are under way
            assert time.monotonic() < deadline, f"no answer within 120 s: {errors}"
            threading.Event().wait(0.05)
        proc.send_signal(signal.SIGTERM)
        for w in workers:
            w.join(120)
        assert not errors, (errors, answers)
        for b in range(3):
            assert [name for name, _ in answers[b]] == [f"b{b}-{i}.jpg" for i in range(10)]
        outcomes = [reason for b in range(3) for _, reason in answers[b]]
        assert set(outcomes) <= {"ok", "SHUTTING_DOWN"}, outcomes
        assert outcomes.count("ok") >= 3  # finished work is delivered, not discarded
        assert proc.wait(60) == 0
        saved = list((tmp_path / "images_processed" / "results").glob("*_results.json"))
        assert len(saved) == outcomes.count("ok")  # every saved result was also answered
    finally:
        stop(proc)


def test_sigterm_during_concurrent_rest_batches_gives_partial_results(tmp_path: Path) -> None:
    """Through the bridge: each batch answers with every image's own result (done or SHUTTING_DOWN)."""
    from fastapi.testclient import TestClient

    from rest_bridge.main import create_app
    from rest_bridge.settings import BridgeSettings

    photo = (data_set("openalpr-us") / labels("openalpr-us")[0]["image"]).read_bytes()
    proc, target = start_server(tmp_path, GALAXY_ALPR__SERVER__GRACE_PERIOD_S="6",
                                GALAXY_ALPR__SERVER__MAX_INFLIGHT_IMAGES="16")
    bodies: list[dict[str, object]] = []
    try:
        with TestClient(create_app(BridgeSettings(grpc_target=target))) as bridge:
            def batch(b: int) -> None:
                files = [("files", (f"b{b}-{i}.jpg", photo, "image/jpeg")) for i in range(10)]
                bodies.append(bridge.post("/galaxy-alpr/v1/alpr-core/process-multiple-images", files=files).json())

            workers = [threading.Thread(target=batch, args=(b,)) for b in range(3)]
            for w in workers:
                w.start()
            saved = tmp_path / "images_processed" / "results"
            deadline = time.monotonic() + 120
            while not any(p.stat().st_size for p in saved.glob("*_results.json")):  # work under way
                assert time.monotonic() < deadline, f"no result saved within 120 s: {bodies}"
                threading.Event().wait(0.05)
            proc.send_signal(signal.SIGTERM)
            for w in workers:
                w.join(120)
        assert len(bodies) == 3
        reasons = []
        for body in bodies:
            data = body["data"]
            assert isinstance(data, dict) and len(data["results"]) == 10, body
            reasons += [r.get("reason", "ok") if not r["success"] else "ok" for r in data["results"]]
        assert set(reasons) <= {"ok", "SHUTTING_DOWN"}, reasons
        assert reasons.count("ok") >= 1
    finally:
        stop(proc)
