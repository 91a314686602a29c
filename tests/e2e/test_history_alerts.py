"""The issue's acceptance on the processes `make serve` starts (default history: the SQLite file).

A processed photo is found one character off; a watch-list webhook on loopback gets the alert promptly;
with the receiver down and the server restarted in between, every alert still arrives exactly once per
idempotency key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import data_set, labels
from tests.support.served import API, free_port, serve
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e


def photo() -> tuple[str, bytes]:
    record = labels("openalpr-us")[0]
    return record["image"], (data_set("openalpr-us") / record["image"]).read_bytes()


def process(url: str) -> str:
    name, content = photo()
    r = httpx.post(f"{url}{API}/alpr-core/process-single-image", files={"file": (name, content, "image/jpeg")},
                   timeout=120)
    assert r.status_code == 200, r.text
    plates = [d["plate"]["plate_number"] for d in r.json()["data"]["detections"]
              if d.get("plate") and d["plate"].get("plate_number")]
    assert plates, "the photo's plate was not read"
    return str(plates[0])


def wait_for(condition: Callable[[], bool], timeout_s: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if condition():
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout_s} s")


def test_search_webhook_outage_and_restart(tmp_path: Path) -> None:
    grpc_port, http_port = free_port(), free_port()
    served = serve(tmp_path, grpc_port=grpc_port, http_port=http_port,
                   GALAXY_ALPR__HISTORY__WEBHOOK_SECRET="e2e-secret")
    receiver = WebhookReceiver(free_port())
    receiver.start()
    try:
        plate = process(served.url)
        text = "".join(ch for ch in plate.upper() if ch.isalnum())
        off = text[:-1] + ("X" if text[-1] != "X" else "Y")
        found = httpx.get(f"{served.url}{API}/history/reads", params={"plate": off, "max_distance": 1}).json()
        assert [r["plate_number"] for r in found["data"]["reads"]] == [plate]

        entry = httpx.post(f"{served.url}{API}/watchlist", json={"plate_number": off, "match_distance": 1,
                                                                 "label": "e2e", "webhook_url": receiver.url})
        assert entry.status_code == 200, entry.text
        process(served.url)
        delay = wait_for(lambda: len(receiver.deliveries) == 1, 30)
        print(f"alert delivered {delay:.2f} s after the photo was processed")
        assert "X-Galaxy-Signature" in receiver.deliveries[0].headers

        receiver.stop()  # the receiver goes down
        for _ in range(2):
            process(served.url)  # two more alerts, both queued in the outbox
        time.sleep(2)
        served.stop()  # the server restarts while the receiver is down
        served = serve(tmp_path, grpc_port=grpc_port, http_port=http_port,
                       GALAXY_ALPR__HISTORY__WEBHOOK_SECRET="e2e-secret")
        time.sleep(2)
        receiver.start()  # the receiver comes back
        alerts = httpx.get(f"{served.url}{API}/alerts").json()["data"]["alerts"]
        assert len(alerts) == 3
        wait_for(lambda: len(receiver.deliveries) == 3, 120)
        time.sleep(3)  # nothing more arrives
        keys = receiver.keys()
        assert sorted(keys) == sorted(a["alert_id"] for a in alerts) and len(set(keys)) == 3
        states = httpx.get(f"{served.url}{API}/alerts").json()["data"]["alerts"]
        assert {a["delivery_status"] for a in states} == {"delivered"}
    finally:
        receiver.stop()
        served.stop()
