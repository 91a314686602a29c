"""Camera events reach the subscribers of every replica through PostgreSQL LISTEN/NOTIFY."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.history.event_relay import PgEventRelay, event_json, parse_event
from server.history.store import HistoryStore
from server.video.events import EventKind, TrackEvent, VehicleReport
from server.video.hub import EventHub
from tests.server.history.conftest import UTC, fresh_pg_database


def an_event(track: int, *, candidates: int = 2) -> TrackEvent:
    vehicle = VehicleReport(track_id=track, plate_number="B 1234 XYZ", confidence=0.93, votes=4, frames_seen=9,
                            first_seen_s=1.0, last_seen_s=3.5, vehicle_class="car", direction="in",
                            candidates=tuple((f"B 1234 XY{n}", 0.5) for n in range(candidates)),
                            box=(10, 20, 300, 400), plate_valid=True, first_frame=10, last_frame=35)
    return TrackEvent(EventKind.FINAL, 3.5, "gate-1", vehicle)


def test_an_event_survives_the_payload_round_trip() -> None:
    sender, event = parse_event(event_json("replica-a", an_event(7)))
    assert sender == "replica-a" and event == an_event(7)
    big = event_json("replica-a", an_event(8, candidates=400))
    assert len(big.encode()) < 8000 and parse_event(big)[1].vehicle.candidates == ()
    with pytest.raises(ValueError, match="not an event"):
        parse_event('{"replica": "x"}')


@pytest.fixture
def engine_url(pg_server: str) -> Iterator[str]:
    yield fresh_pg_database(pg_server)


def test_events_of_one_replica_reach_the_subscribers_of_another_once(engine_url: str) -> None:
    stores = [HistoryStore.open(engine_url, tz=UTC) for _ in range(2)]
    hubs = [EventHub(100), EventHub(100)]
    relays = [PgEventRelay(store.engine, name, hub) for store, name, hub in zip(stores, ("a", "b"), hubs, strict=True)]
    try:
        for relay in relays:
            relay.start()
            assert relay.wait_listening(10.0)
        here, there = hubs[0].subscribe(), hubs[1].subscribe(frozenset({"gate-1"}))
        hubs[0].publish(an_event(1))  # a camera watched by replica a
        assert there.get(5.0) == an_event(1)  # reached replica b's subscriber
        assert here.get(1.0) == an_event(1)  # and replica a's own, once
        assert here.get(0.5) is None and there.get(0.5) is None
        assert relays[1].received == 1 and relays[0].received == 0
    finally:
        for relay in relays:
            relay.stop()
        for store in stores:
            store.close()
