"""HistoryStore on a real SQLite file and a real PostgreSQL database: record, search, export, watch list."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect

from server.errors import InvalidInputError, NotFoundError
from server.history import migrate
from server.history.cursor import InvalidCursorError
from server.history.records import NewRead, NewWatchEntry, ReadQuery
from server.history.store import HistoryStore

UTC = ZoneInfo("UTC")

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)


def read(plate: str, minutes: int = 0, **fields: object) -> NewRead:
    return NewRead(read_at=T0 + timedelta(minutes=minutes), plate_text=plate.replace(" ", ""), plate_number=plate,
                   **fields)  # type: ignore[arg-type]


def plates(store: HistoryStore, query: ReadQuery) -> list[str]:
    return [r.read.plate_number for r in store.search(query).reads]


def test_record_keeps_every_field(store: HistoryStore) -> None:
    new = read("B 1234 CD", camera_id="gate-1", request_id="req-1", track_id="t7", confidence=0.91,
               plate_valid=True, region_code="B", region_name="DKI Jakarta", plate_type="private",
               text_color="black", background_color="white", plate_date="08/29", vehicle_class="car",
               vehicle_confidence=0.8, direction="north", plate_box=(10, 20, 110, 60), vehicle_box=(0, 0, 300, 200),
               image_width=1280, image_height=720, original_filename="a.jpg",
               uploaded_image_path="images_processed/u/a.jpg", evidence_image_path="images_processed/d/a.jpg",
               plate_image_path="images_processed/p/a.jpg", vehicle_image_path="images_processed/v/a.jpg",
               results_path="images_processed/r/a.json", source="camera")
    result = store.record(new)
    got = store.get_read(result.read_id)
    assert got.read == new
    assert got.plate_normalized == "B1234CD" and got.plate_folded == "81234C0"


def test_exact_prefix_and_fuzzy_search(store: HistoryStore) -> None:
    for i, plate in enumerate(["B 1234 CD", "B 1234 CO", "B 1284 CD", "B 9999 XY", "AB 1234 CD", "D 1234 CD"]):
        store.record(read(plate, i))
    assert plates(store, ReadQuery(plate="b 1234 cd")) == ["B 1234 CD"]
    assert plates(store, ReadQuery(plate="B12", match="prefix")) == ["B 1284 CD", "B 1234 CO", "B 1234 CD"]
    # One character off (C -> X) finds the plate; the O/D look-alike costs 0.5; 8/3 is not a look-alike.
    fuzzy = store.search(ReadQuery(plate="B1234XD", match="fuzzy", max_distance=1)).reads
    assert {(r.read.plate_number, r.distance) for r in fuzzy} == {("B 1234 CD", 1.0)}
    fuzzy = store.search(ReadQuery(plate="B1234CD", match="fuzzy", max_distance=1)).reads
    assert {(r.read.plate_number, r.distance) for r in fuzzy} == {
        ("B 1234 CD", 0.0), ("B 1234 CO", 0.5), ("B 1284 CD", 1.0), ("AB 1234 CD", 1.0), ("D 1234 CD", 1.0)}
    looks = store.search(ReadQuery(plate="8I234C0", match="fuzzy", max_distance=1.5)).reads
    assert {r.read.plate_number for r in looks} == {"B 1234 CD", "B 1234 CO"}  # B/8, 1/I, O/0, D/0 all cheap
    assert plates(store, ReadQuery(plate="B1234XX", match="fuzzy", max_distance=1)) == []
    assert "B 9999 XY" in plates(store, ReadQuery(plate="B999XZ", match="fuzzy", max_distance=2))


def test_filters_and_time_range(store: HistoryStore) -> None:
    store.record(read("B 1 A", 0, camera_id="gate-1", region_code="B", plate_type="private", vehicle_class="car"))
    store.record(read("B 1 A", 10, camera_id="gate-2", region_code="B", plate_type="public", vehicle_class="bus"))
    store.record(read("D 2 B", 20, camera_id="gate-1", region_code="D", plate_type="private",
                      vehicle_class="motorcycle"))
    assert plates(store, ReadQuery(camera_id="gate-1")) == ["D 2 B", "B 1 A"]
    assert plates(store, ReadQuery(region_code="D")) == ["D 2 B"]
    assert plates(store, ReadQuery(plate_type="public")) == ["B 1 A"]
    assert plates(store, ReadQuery(vehicle_class="bus")) == ["B 1 A"]
    window = store.search(ReadQuery(since=T0 + timedelta(minutes=5), until=T0 + timedelta(minutes=15))).reads
    assert [r.read.camera_id for r in window] == ["gate-2"]
    assert plates(store, ReadQuery(plate="B1A", camera_id="gate-2", match="fuzzy", max_distance=1)) == ["B 1 A"]


def test_cursor_pages_cover_everything_once_newest_first(store: HistoryStore) -> None:
    for i in range(23):
        store.record(read(f"B {1000 + i} AA", minutes=i // 2))  # pairs share a timestamp: ties need the id
    seen: list[int] = []
    cursor = ""
    while True:
        page = store.search(ReadQuery(limit=5, cursor=cursor))
        seen.extend(r.read_id for r in page.reads)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == 23 and len(set(seen)) == 23
    times = [store.get_read(i).read.read_at for i in seen]
    assert times == sorted(times, reverse=True)


def test_csv_export_has_header_and_every_row(store: HistoryStore) -> None:
    for i in range(7):
        store.record(read(f"B {i} CD", i, camera_id="gate, \"north\""))
    text = "".join(store.export_csv(ReadQuery(camera_id="gate, \"north\""), page_size=3))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 7
    assert rows[0]["plate_number"] == "B 6 CD" and rows[0]["camera_id"] == "gate, \"north\""


@pytest.mark.parametrize("query", [
    ReadQuery(limit=0), ReadQuery(limit=5000), ReadQuery(plate="B1", match="fuzzy", max_distance=3),
    ReadQuery(plate="---"), ReadQuery(since=T0, until=T0 - timedelta(days=1)),
])
def test_bad_queries_are_invalid_input(store: HistoryStore, query: ReadQuery) -> None:
    with pytest.raises(InvalidInputError):
        store.search(query)


def test_bad_cursor(store: HistoryStore) -> None:
    with pytest.raises(InvalidCursorError):
        store.search(ReadQuery(cursor="not-a-cursor"))


def test_watch_list_matches_new_reads(store: HistoryStore) -> None:
    entry = store.add_watch_entry(NewWatchEntry("B 1234 CD", match_distance=1, label="stolen"))
    other = store.add_watch_entry(NewWatchEntry("D 1 A", label="vip", webhook_url="http://127.0.0.1:9/hook"))
    assert [e.entry_id for e in store.list_watch_entries()] == [entry.entry_id, other.entry_id]
    hit = store.record(read("B 1234 CO", camera_id="gate-1"))
    miss = store.record(read("B 9999 XY"))
    assert miss.alerts == []
    assert [(a.entry_id, a.distance, a.delivery_status) for a in hit.alerts] == [(entry.entry_id, 0.5, "none")]
    webhook = store.record(read("D 1 A", 1))
    assert [a.delivery_status for a in webhook.alerts] == ["pending"]
    alerts = store.list_alerts()
    assert [a.plate_number for a in alerts] == ["D 1 A", "B 1234 CO"]
    assert alerts[1].read is not None and alerts[1].read.read.camera_id == "gate-1"
    assert [a.entry_id for a in store.list_alerts(entry_id=entry.entry_id)] == [entry.entry_id]
    assert store.is_watched(["B1234CD"]) and not store.is_watched(["Z 1"])
    store.delete_watch_entry(entry.entry_id)
    assert store.record(read("B 1234 CD", 2)).alerts == []
    assert len(store.list_alerts()) == 2  # alerts outlive their entry
    with pytest.raises(NotFoundError):
        store.delete_watch_entry(entry.entry_id)


@pytest.mark.parametrize("entry", [
    NewWatchEntry(""), NewWatchEntry("B 1", match_distance=5), NewWatchEntry("B 1", webhook_url="ftp://x/y"),
    NewWatchEntry("B 1", webhook_url="not a url"), NewWatchEntry("B 1", label="x" * 256),
])
def test_bad_watch_entries(store: HistoryStore, entry: NewWatchEntry) -> None:
    with pytest.raises(InvalidInputError):
        store.add_watch_entry(entry)


def test_retention_query_deletes_only_old_reads(store: HistoryStore) -> None:
    store.record(read("B 1 A", 0, evidence_image_path="images_processed/x.jpg"))
    keep = store.record(read("B 2 A", 60 * 24 * 10))
    count, paths = store.delete_reads_before(T0 + timedelta(days=1))
    assert count == 1 and paths == ["images_processed/x.jpg"]
    assert [r.read_id for r in store.search(ReadQuery()).reads] == [keep.read_id]


def test_migrations_downgrade_and_upgrade(db_url: str) -> None:
    store = HistoryStore.open(db_url, tz=UTC)
    names = set(inspect(store.engine).get_table_names())
    assert {"plates", "plate_variants", "reads", "watchlist_entries", "alerts", "webhook_outbox"} <= names
    migrate.downgrade(store.engine, "base")
    assert "reads" not in inspect(store.engine).get_table_names()
    migrate.upgrade(store.engine)
    store.record(read("B 1 A"))
    assert store.count_reads() == 1
    store.close()
    again = HistoryStore.open(db_url, tz=UTC)  # opening a migrated database again is a no-op
    assert again.count_reads() == 1
    again.close()


def test_overlong_plates_are_refused_and_long_fields_fit(store: HistoryStore) -> None:
    with pytest.raises(InvalidInputError):
        store.search(ReadQuery(plate="A" * 500, match="fuzzy", max_distance=2))
    with pytest.raises(InvalidInputError):
        store.add_watch_entry(NewWatchEntry("B" * 21))
    with pytest.raises(InvalidInputError):
        store.record(read("C" * 21))
    long_read = store.record(read("B 1 A", camera_id="x" * 500, region_name="y" * 500))
    got = store.get_read(long_read.read_id).read
    assert got.camera_id == "x" * 128 and got.region_name == "y" * 128


def test_concurrent_writers_lose_nothing(store: HistoryStore) -> None:
    """Stage threads record at once: every read lands, the shared new plate is created once."""
    import threading

    entry = store.add_watch_entry(NewWatchEntry("B 1 A"))
    errors: list[str] = []

    def work(worker: int) -> None:
        for j in range(10):
            try:
                store.record_many([read(f"B {worker}{j} A", j), read("B 1 A", j)])
            except Exception as exc:  # collected: the assertion below names them
                errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count_reads() == 120
    assert len(store.search(ReadQuery(plate="B1A", limit=1000)).reads) == 60
    assert len(store.list_alerts(entry_id=entry.entry_id, limit=1000)) == 60
