"""Camera leases among replicas on a real PostgreSQL: one watcher per camera, fair shares, failover, fencing."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.config import CameraLeaseSettings, CameraSettings
from server.history.leases import LeasedCameras, LeaseLostError
from server.history.models import Read
from server.history.records import NewRead
from server.history.store import HistoryStore
from tests.server.history.conftest import UTC, fresh_pg_database

TTL_S = 1.2
RENEW_S = 0.3
CAMERAS = tuple(CameraSettings(id=f"cam-{n}", url=f"rtsp://127.0.0.1:8554/cam{n}") for n in range(7))


@pytest.fixture
def history(pg_server: str) -> Iterator[HistoryStore]:
    store = HistoryStore.open(fresh_pg_database(pg_server), tz=UTC)
    yield store
    store.close()


def replica(store: HistoryStore, name: str) -> LeasedCameras:
    return LeasedCameras(store.engine, name, ttl_s=TTL_S, renew_every_s=RENEW_S)


def settle(replicas: list[LeasedCameras], rounds: int = 4) -> dict[str, frozenset[str]]:
    """A few rounds of every replica, in turn; each one's cameras after the last."""
    watched: dict[str, frozenset[str]] = {}
    for _ in range(rounds):
        for r in replicas:
            watched[r.replica_id] = r.watched(CAMERAS)
    return watched


def a_read(camera_id: str) -> NewRead:
    return NewRead(read_at=datetime(2026, 12, 7, tzinfo=timezone.utc), plate_text="B 1234 XYZ",
                   source="camera", camera_id=camera_id, track_id="1")


def test_one_replica_watches_every_camera_and_a_second_takes_its_fair_share(history: HistoryStore) -> None:
    first = replica(history, "replica-a")
    assert first.watched(CAMERAS) == frozenset(c.id for c in CAMERAS)
    second = replica(history, "replica-b")
    watched = settle([first, second])
    assert watched["replica-a"].isdisjoint(watched["replica-b"])
    assert watched["replica-a"] | watched["replica-b"] == {c.id for c in CAMERAS}
    assert sorted(len(w) for w in watched.values()) == [3, 4]
    assert {first.owner(c.id) for c in CAMERAS} == {"replica-a", "replica-b"}
    assert second.replicas() == ["replica-a", "replica-b"]


def test_a_dead_replicas_cameras_move_within_the_ttl(history: HistoryStore) -> None:
    dead, survivor = replica(history, "replica-a"), replica(history, "replica-b")
    settle([dead, survivor])
    died = time.monotonic()
    everything = frozenset(c.id for c in CAMERAS)
    while survivor.watched(CAMERAS) != everything:  # the dead one never runs another round
        assert time.monotonic() - died < TTL_S + 3 * RENEW_S, "cameras did not move within the TTL"
        time.sleep(RENEW_S)
    assert {survivor.owner(c.id) for c in CAMERAS} == {"replica-b"}


def test_a_clean_shutdown_hands_the_cameras_over_at_once(history: HistoryStore) -> None:
    leaving, staying = replica(history, "replica-a"), replica(history, "replica-b")
    settle([leaving, staying])
    leaving.close()
    assert staying.watched(CAMERAS) == frozenset(c.id for c in CAMERAS)


def test_a_paused_replica_cannot_write_after_losing_its_lease(history: HistoryStore) -> None:
    paused, other = replica(history, "replica-a"), replica(history, "replica-b")
    assert "cam-0" in paused.watched(CAMERAS)
    fence = paused.fence("cam-0")
    assert fence is not None
    history.record(a_read("cam-0"), fence=fence)  # holding the lease: written
    time.sleep(TTL_S + 0.1)  # paused past its TTL (no rounds); the other replica takes the cameras
    assert "cam-0" in other.watched(CAMERAS)
    with pytest.raises(LeaseLostError, match="cam-0"):
        history.record(a_read("cam-0"), fence=fence)
    with history.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Read)).scalar_one() == 1
    new_fence = other.fence("cam-0")
    assert new_fence is not None
    history.record(a_read("cam-0"), fence=new_fence)
    assert paused.watched(CAMERAS).isdisjoint(other.watched(CAMERAS))


def test_replicas_never_watch_one_camera_at_once_under_churn(history: HistoryStore) -> None:
    """Replicas join, die (no more rounds, no hand-over) and leave cleanly while all run their rounds.

    Each round's answer holds from the moment the round returns until the replica's next round returns
    (or it dies): those spans of two replicas must never share a camera.
    """
    spans: list[tuple[str, str, float, float]] = []  # replica, camera, from, to
    lock = threading.Lock()
    stop_all = threading.Event()

    def run(name: str, lifetime_s: float, clean: bool) -> None:
        leases = replica(history, name)
        rng = random.Random(name)
        current: frozenset[str] = frozenset()
        since = time.monotonic()
        end = since + lifetime_s
        while time.monotonic() < end and not stop_all.is_set():
            answer = leases.watched(CAMERAS)
            now = time.monotonic()
            with lock:
                spans.extend((name, camera, since, now) for camera in current)
            current, since = answer, now
            time.sleep(RENEW_S * rng.uniform(0.5, 1.0))
        now = time.monotonic()
        with lock:
            spans.extend((name, camera, since, now) for camera in current)
        if clean:
            leases.close()

    plan = [("r1", 6.0, False), ("r2", 9.0, True), ("r3", 3.0, False), ("r4", 9.0, True), ("r5", 5.0, True)]
    threads = []
    for number, (name, lifetime, clean) in enumerate(plan):
        thread = threading.Thread(target=run, args=(name, lifetime, clean))
        threads.append(thread)
        thread.start()
        time.sleep(0.7 if number < 3 else 1.5)
    for thread in threads:
        thread.join(timeout=30)
    stop_all.set()
    by_camera: dict[str, list[tuple[str, float, float]]] = {}
    for name, camera, start, end in spans:
        by_camera.setdefault(camera, []).append((name, start, end))
    assert set(by_camera) == {c.id for c in CAMERAS}  # every camera was watched by someone
    for camera, owned in by_camera.items():
        for (name_a, start_a, end_a), (name_b, start_b, end_b) in itertools.combinations(owned, 2):
            overlap = min(end_a, end_b) > max(start_a, start_b)
            assert name_a == name_b or not overlap, f"{camera}: {name_a} and {name_b} watched it at once"


def test_leases_need_postgresql(tmp_path: Path) -> None:
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.db'}", tz=UTC)
    try:
        with pytest.raises(ValueError, match="PostgreSQL"):
            LeasedCameras(store.engine, "r", ttl_s=15, renew_every_s=5)
    finally:
        store.close()


def test_renewal_must_come_well_within_the_ttl() -> None:
    with pytest.raises(ValueError, match="below half of ttl_s"):
        CameraLeaseSettings(ttl_s=10, renew_every_s=5)
    assert CameraLeaseSettings().ttl_s <= 15  # a dead replica's cameras move within 15 s by default
