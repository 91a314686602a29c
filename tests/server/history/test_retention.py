"""Retention: old reads go, with the files no remaining read names; files outside the output root stay."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from server.history.records import NewRead, ReadQuery
from server.history.retention import RetentionSweeper
from server.history.store import HistoryStore

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def test_sweep_deletes_old_reads_and_their_unshared_files(store: HistoryStore, tmp_path: Path) -> None:
    root = tmp_path / "images_processed"
    (root / "d").mkdir(parents=True)
    old_only, shared, outside = root / "d" / "old.jpg", root / "d" / "shared.jpg", tmp_path / "outside.jpg"
    for f in (old_only, shared, outside):
        f.write_bytes(b"jpeg")

    def rel(p: Path) -> str:
        return p.relative_to(tmp_path).as_posix()

    store.record(NewRead(NOW - timedelta(days=40), "B1A", evidence_image_path=rel(old_only),
                         uploaded_image_path=str(outside)))
    store.record(NewRead(NOW - timedelta(days=40), "B2A", evidence_image_path=rel(shared)))
    kept = store.record(NewRead(NOW - timedelta(days=2), "B3A", evidence_image_path=rel(shared)))
    sweeper = RetentionSweeper(store, days=30, base_dir=tmp_path, root=root, interval_s=3600, now=lambda: NOW)
    assert sweeper.sweep() == (2, 1)
    assert not old_only.exists() and shared.exists() and outside.exists()
    assert [r.read_id for r in store.search(ReadQuery()).reads] == [kept.read_id]
    assert sweeper.sweep() == (0, 0)


def test_zero_days_keeps_everything(store: HistoryStore, tmp_path: Path) -> None:
    store.record(NewRead(NOW - timedelta(days=4000), "B1A"))
    assert RetentionSweeper(store, days=0, base_dir=tmp_path, root=tmp_path, interval_s=1).sweep() == (0, 0)
    assert store.count_reads() == 1


def test_alerts_outlive_their_deleted_reads(store: HistoryStore, tmp_path: Path) -> None:
    from server.history.records import NewWatchEntry

    store.add_watch_entry(NewWatchEntry("B 1 A", label="kept", webhook_url="http://127.0.0.1:9/hook"))
    store.record(NewRead(NOW - timedelta(days=40), "B1A"))
    sweeper = RetentionSweeper(store, days=30, base_dir=tmp_path, root=tmp_path, interval_s=3600, now=lambda: NOW)
    assert sweeper.sweep() == (1, 0)
    alerts = store.list_alerts()
    assert len(alerts) == 1 and alerts[0].read_id is None and alerts[0].read is None and alerts[0].label == "kept"
