"""The one document of a history read: REST, webhook and CSV render the same fields, rounded once."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from server.history.csv_export import COLUMNS, csv_lines
from server.history.payload import read_json, webhook_payload
from server.history.records import NewRead, StoredRead, WatchEntry

TZ = ZoneInfo("Asia/Makassar")


def _stored() -> StoredRead:
    read = NewRead(read_at=datetime(2026, 12, 7, 8, 30, tzinfo=UTC), plate_text="B1234CD", plate_number="B 1234 CD",
                   source="image", confidence=0.912345, plate_valid=True, region_code="B",
                   region_name="Jakarta/Metro Jaya", plate_type="private", text_color="black",
                   background_color="white", vehicle_class="car", vehicle_confidence=0.87654,
                   plate_box=(1, 2, 30, 12), vehicle_box=(0, 0, 100, 80))
    return StoredRead(read_id=1, read=read, plate_normalized="B1234CD", plate_folded="81234C0",
                      distance=0.333333)


def test_the_read_uses_the_image_apis_field_names_and_rounds_once() -> None:
    doc = read_json(_stored(), TZ)
    assert doc["plate_region_code"] == "B" and doc["plate_text_color"] == "black"
    assert doc["plate_background_color"] == "white" and doc["plate_region_name"] == "Jakarta/Metro Jaya"
    assert not {"region_code", "text_color", "background_color"} & set(doc)
    assert (doc["confidence"], doc["vehicle_confidence"], doc["distance"]) == (0.9123, 0.8765, 0.3333)
    assert doc["read_time"] == "2026-12-07T16:30:00+08:00"


def test_webhook_embeds_the_same_document() -> None:
    entry = WatchEntry(entry_id="e1", plate_number="B 1234 CX", plate_normalized="B1234CX", match_distance=1,
                       label="test", webhook_url="http://127.0.0.1:9/hook",
                       created_at=datetime(2026, 12, 7, tzinfo=UTC))
    body = webhook_payload(alert_id="a1", distance=1.0, stored=_stored(), entry=entry, tz=TZ)
    assert body["data"]["read"] == read_json(_stored(), TZ)


def test_csv_columns_are_document_fields_with_the_same_values() -> None:
    text = "".join(csv_lines([[_stored()]], TZ))
    (row,) = list(csv.DictReader(io.StringIO(text)))
    doc = read_json(_stored(), TZ)
    assert set(COLUMNS) <= set(doc)
    assert row["plate_region_code"] == doc["plate_region_code"] and row["confidence"] == str(doc["confidence"])
    assert row["plate_box"] == "1 2 30 12" and row["plate_valid"] == "true"
