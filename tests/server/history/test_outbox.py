"""Webhook deliveries from the persistent outbox to a real HTTP receiver on loopback.

Includes the receiver being down and the server (store + dispatcher) restarting in between: every alert
still arrives, exactly once per idempotency key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from scripts.pg_cluster import free_port
from server.history.outbox import DeliveryPolicy, WebhookDispatcher
from server.history.records import Alert, NewRead, NewWatchEntry
from server.history.signing import SIGNATURE_HEADER, verify
from server.history.store import HistoryStore
from tests.support.webhook_receiver import WebhookReceiver

UTC = ZoneInfo("UTC")

SECRET = "s3cret"
FAST = DeliveryPolicy(secret=SECRET, timeout_s=2.0, backoff_s=0.1, max_backoff_s=0.5, poll_s=0.1, max_attempts=200)


def wait_for(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def running(url: str, policy: DeliveryPolicy = FAST) -> tuple[HistoryStore, WebhookDispatcher]:
    store = HistoryStore.open(url, tz=UTC)
    dispatcher = WebhookDispatcher(store.engine, policy)
    store.on_enqueued(dispatcher.wake)
    dispatcher.start()
    return store, dispatcher


def statuses(store: HistoryStore) -> list[Alert]:
    return store.list_alerts()


def test_delivery_is_signed_and_shaped_like_plate_recognizer(db_url: str) -> None:
    receiver = WebhookReceiver(free_port())
    receiver.start()
    store, dispatcher = running(db_url)
    try:
        entry = store.add_watch_entry(NewWatchEntry("B 1234 CD", 1, "stolen", receiver.url))
        result = store.record(NewRead(datetime.now(timezone.utc), "B1234CO", "B 1234 CO", camera_id="gate-1",
                                      plate_box=(1, 2, 3, 4), confidence=0.9, region_code="B"))
        wait_for(lambda: len(receiver.deliveries) == 1)
        delivery = receiver.deliveries[0]
        assert verify(SECRET, delivery.body, delivery.headers[SIGNATURE_HEADER])
        assert delivery.headers["Idempotency-Key"] == result.alerts[0].alert_id
        body = delivery.json
        assert body["hook"] == {"target": receiver.url, "id": entry.entry_id, "event": "watchlist.alert"}
        data = body["data"]
        assert data["camera_id"] == "gate-1"
        assert data["results"][0]["plate"] == "b1234co"
        assert data["results"][0]["box"] == {"xmin": 1, "ymin": 2, "xmax": 3, "ymax": 4}
        assert data["watchlist_entry"]["label"] == "stolen" and data["distance"] == 0.5
        assert data["read"]["read_id"] == result.read_id
        wait_for(lambda: statuses(store)[0].delivery_status == "delivered")
    finally:
        dispatcher.stop()
        store.close()
        receiver.stop()


def test_failed_answers_are_retried_with_backoff(db_url: str) -> None:
    receiver = WebhookReceiver(free_port(), fail_next=3)
    receiver.start()
    store, dispatcher = running(db_url)
    try:
        store.add_watch_entry(NewWatchEntry("D 1 A", 0, "", receiver.url))
        store.record(NewRead(datetime.now(timezone.utc), "D1A"))
        wait_for(lambda: statuses(store)[0].delivery_status == "delivered")
        alert = statuses(store)[0]
        assert alert.delivery_attempts == 4 and len(receiver.deliveries) == 1
    finally:
        dispatcher.stop()
        store.close()
        receiver.stop()


def test_gives_up_after_max_attempts(db_url: str) -> None:
    store, dispatcher = running(db_url, DeliveryPolicy(timeout_s=1, backoff_s=0.05, max_backoff_s=0.1, poll_s=0.05,
                                                       max_attempts=3))
    try:
        store.add_watch_entry(NewWatchEntry("D 1 A", 0, "", f"http://127.0.0.1:{free_port()}/nobody"))
        store.record(NewRead(datetime.now(timezone.utc), "D1A"))
        wait_for(lambda: statuses(store)[0].delivery_status == "failed")
        alert = statuses(store)[0]
        assert alert.delivery_attempts == 3 and alert.last_error
    finally:
        dispatcher.stop()
        store.close()


def test_receiver_outage_and_server_restart_deliver_exactly_once_per_key(db_url: str) -> None:
    receiver = WebhookReceiver(free_port())  # not listening yet: connections are refused
    store, dispatcher = running(db_url)
    entry = store.add_watch_entry(NewWatchEntry("B 1234 CD", 1, "stolen", receiver.url))
    recorded = [store.record(NewRead(datetime.now(timezone.utc), plate)) for plate in ("B1234CD", "B1234C0")]
    alert_ids = sorted(r.alerts[0].alert_id for r in recorded)
    wait_for(lambda: all(a.delivery_attempts >= 2 for a in statuses(store)))
    assert all(a.delivery_status == "pending" and a.last_error for a in statuses(store))
    dispatcher.stop()  # the server goes down with both alerts still in the outbox
    store.close()

    receiver.start()  # the receiver comes back while the server is down
    store, dispatcher = running(db_url)  # the server restarts on the same database
    try:
        wait_for(lambda: all(a.delivery_status == "delivered" for a in statuses(store)))
        assert sorted(receiver.keys()) == alert_ids
        assert all(d.json["hook"]["id"] == entry.entry_id for d in receiver.deliveries)
        assert dispatcher.run_once() == 0  # nothing left to send
        time.sleep(0.5)
        assert sorted(receiver.keys()) == alert_ids
    finally:
        dispatcher.stop()
        store.close()
        receiver.stop()
