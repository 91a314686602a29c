"""History, watch-list and alert endpoints through the bridge, a real gRPC server and the real pipeline."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scripts.pg_cluster import free_port
from server.history.signing import IDEMPOTENCY_HEADER
from server.plates.identity import normalise
from tests.conftest import data_set, labels
from tests.support.webhook_receiver import WebhookReceiver

API = "/galaxy-alpr/v1"


def photo() -> tuple[str, bytes]:
    record = labels("openalpr-us")[0]
    return record["image"], (data_set("openalpr-us") / record["image"]).read_bytes()


def process(client: TestClient) -> list[str]:
    name, content = photo()
    r = client.post(f"{API}/alpr-core/process-single-image", files={"file": (name, content, "image/jpeg")})
    assert r.status_code == 200, r.text
    return [d["plate"]["plate_number"] for d in r.json()["data"]["detections"]
            if d.get("plate") and d["plate"].get("plate_number")]


def one_off(plate: str) -> str:
    """The plate with its last character replaced by one that is not a look-alike of it."""
    text = normalise(plate)
    return text[:-1] + ("X" if text[-1] != "X" else "Y")


def assert_error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["success"] is False and body["error"] and body["error_type"] == "HTTPException"
    return body


@pytest.fixture(scope="module")
def read_plate(client: TestClient) -> str:
    plates = process(client)
    assert plates, "the photo's plate was not read"
    return plates[0]


def test_processed_photo_is_recorded_and_found(client: TestClient, read_plate: str) -> None:
    r = client.get(f"{API}/history/reads", params={"plate": read_plate})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True and isinstance(body["processing_time_ms"], int)
    reads = body["data"]["reads"]
    assert reads and reads[0]["plate_number"] == read_plate
    first = reads[0]
    assert first["source"] == "image" and first["request_id"] and first["original_filename"] == photo()[0]
    assert first["evidence_image_path"] and len(first["plate_box"]) == 4
    image = client.get(f"{API}/images/{first['evidence_image_path']}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert "next_cursor" in body["data"]


def test_one_character_off_is_found_with_max_distance_1(client: TestClient, read_plate: str) -> None:
    off = one_off(read_plate)
    assert client.get(f"{API}/history/reads", params={"plate": off}).json()["data"]["reads"] == []
    r = client.get(f"{API}/history/reads", params={"plate": off, "max_distance": 1})
    reads = r.json()["data"]["reads"]
    assert reads and reads[0]["plate_number"] == read_plate and reads[0]["distance"] == 1.0


def test_prefix_paging_and_csv(client: TestClient, read_plate: str) -> None:
    process(client)  # a second read of the same plate
    prefix = normalise(read_plate)[:3]
    page1 = client.get(f"{API}/history/reads", params={"plate": prefix, "match": "prefix", "limit": 1}).json()
    assert len(page1["data"]["reads"]) == 1 and page1["data"]["next_cursor"]
    page2 = client.get(f"{API}/history/reads", params={"plate": prefix, "match": "prefix", "limit": 1,
                                                       "cursor": page1["data"]["next_cursor"]}).json()
    assert page2["data"]["reads"][0]["read_id"] < page1["data"]["reads"][0]["read_id"]
    for url, params in ((f"{API}/history/reads", {"plate": read_plate, "format": "csv"}),
                        (f"{API}/history/reads.csv", {"plate": read_plate})):
        r = client.get(url, params=params)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert len(rows) >= 2 and {row["plate_number"] for row in rows} == {read_plate}


@pytest.mark.parametrize(("params", "status"), [
    ({"limit": 0}, 400), ({"limit": 5000}, 400), ({"max_distance": 5, "plate": "B1"}, 400),
    ({"since": "yesterday"}, 400), ({"cursor": "garbage!"}, 400), ({"match": "regex"}, 400),
    ({"plate": "---"}, 400),
])
def test_bad_search_parameters(client: TestClient, params: dict[str, Any], status: int) -> None:
    assert_error(client.get(f"{API}/history/reads", params=params), status)


def test_watchlist_alert_reaches_the_webhook(client: TestClient, read_plate: str) -> None:
    receiver = WebhookReceiver(free_port())
    receiver.start()
    try:
        r = client.post(f"{API}/watchlist", json={"plate_number": one_off(read_plate), "match_distance": 1,
                                                  "label": "test", "webhook_url": receiver.url})
        assert r.status_code == 200, r.text
        entry_id = r.json()["data"]["entry_id"]
        listed = client.get(f"{API}/watchlist").json()["data"]["entries"]
        assert entry_id in [e["entry_id"] for e in listed]
        process(client)
        deadline = time.monotonic() + 30
        while not receiver.deliveries and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(receiver.deliveries) == 1
        payload = receiver.deliveries[0].json
        assert payload["hook"]["id"] == entry_id
        assert payload["data"]["results"][0]["plate"] == normalise(read_plate).lower()
        alerts = client.get(f"{API}/alerts", params={"entry_id": entry_id}).json()["data"]["alerts"]
        assert [a["alert_id"] for a in alerts] == [receiver.deliveries[0].headers[IDEMPOTENCY_HEADER]]
        assert alerts[0]["read"]["plate_number"] == read_plate
        # One document per read: the webhook's read, the REST alert's read and the REST search item agree.
        # (`distance` belongs to the context: the search's or the alert's match, not to the read.)
        hooked = payload["data"]["read"]
        assert set(hooked) == set(alerts[0]["read"]) and "plate_region_code" in hooked
        assert alerts[0]["read"] == {**hooked, "distance": alerts[0]["read"]["distance"]}
        searched = client.get(f"{API}/history/reads", params={"plate": read_plate}).json()["data"]["reads"]
        same = next(r for r in searched if r["read_id"] == hooked["read_id"])
        assert same == {**hooked, "distance": same["distance"]}
        exported = client.get(f"{API}/history/reads.csv", params={"plate": read_plate}).text
        row = next(r for r in csv.DictReader(io.StringIO(exported)) if r["read_id"] == str(hooked["read_id"]))
        assert set(row) <= set(hooked) and "plate_region_code" in row and "plate_text_color" in row
        assert row["plate_number"] == hooked["plate_number"] and row["confidence"] == str(hooked["confidence"])
        assert client.delete(f"{API}/watchlist/{entry_id}").status_code == 200
        assert_error(client.delete(f"{API}/watchlist/{entry_id}"), 404)
    finally:
        receiver.stop()


@pytest.mark.parametrize("body", [
    {"plate_number": ""}, {"plate_number": "---"}, {"plate_number": "B 1", "match_distance": 3},
    {"plate_number": "B 1", "webhook_url": "ftp://nowhere"}, {"plate": "B 1"},
])
def test_bad_watchlist_entries(client: TestClient, body: dict[str, Any]) -> None:
    assert_error(client.post(f"{API}/watchlist", json=body), 400)


def test_recognized_plate_crops_are_recorded_ocr_only_is_not(client: TestClient) -> None:
    record = labels("indonesia-ilpr-platecrops")[0]
    content = (data_set("indonesia-ilpr-platecrops") / record["image"]).read_bytes()
    name = f"crop-{time.monotonic_ns()}.jpg"

    def recorded() -> list[dict[str, Any]]:
        reads = client.get(f"{API}/history/reads", params={"limit": 1000}).json()["data"]["reads"]
        return [x for x in reads if x["original_filename"] == name]

    r = client.post(f"{API}/plate/recognize-plate", files={"file": (name, content, "image/jpeg")})
    assert r.status_code == 200, r.text
    plate = r.json()["data"]["list_result_plate_recognized"][0]["plate_number"]
    assert plate
    assert [(x["source"], x["plate_number"]) for x in recorded()] == [("plate", plate)]
    assert client.post(f"{API}/plate/ocr-plate", files={"file": (name, content, "image/jpeg")}).status_code == 200
    assert len(recorded()) == 1
