"""Camera events shared among replicas through PostgreSQL LISTEN/NOTIFY.

Each replica's `EventHub` forwards the events of the cameras it watches to `PgEventRelay.send`, which
NOTIFYs them on one channel; every replica LISTENs on a connection of its own and delivers the other
replicas' events into its local hub. An SSE or gRPC subscriber connected to any replica therefore sees
every camera. A NOTIFY payload is at most 8000 bytes: an event whose candidate list would not fit is
sent without its candidates. The listener reconnects with backoff; events sent while it was away are
missed (events are a live feed; the read history keeps every FINAL).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict
from typing import Any

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from server.video.events import EventKind, TrackEvent, VehicleReport
from server.video.hub import EventHub

log = logging.getLogger(__name__)

CHANNEL = "galaxy_alpr_events"
MAX_PAYLOAD = 7900  # PostgreSQL's NOTIFY limit is 8000 bytes
POLL_S = 0.5
MAX_BACKOFF_S = 10.0


def event_json(replica_id: str, event: TrackEvent) -> str:
    """The NOTIFY payload of an event (candidates dropped when it would not fit)."""
    vehicle = asdict(event.vehicle)
    body = {"replica": replica_id, "kind": event.kind.value, "t_s": event.t_s, "source_id": event.source_id,
            "vehicle": vehicle}
    payload = json.dumps(body, separators=(",", ":"))
    if len(payload.encode()) > MAX_PAYLOAD:
        vehicle["candidates"] = []
        payload = json.dumps(body, separators=(",", ":"))
    return payload


def parse_event(payload: str) -> tuple[str, TrackEvent]:
    """(sending replica, event) of a NOTIFY payload; ValueError when it is not one."""
    try:
        body: dict[str, Any] = json.loads(payload)
        vehicle = dict(body["vehicle"])
        vehicle["candidates"] = tuple((str(t), float(c)) for t, c in vehicle["candidates"])
        vehicle["box"] = tuple(int(v) for v in vehicle["box"])
        event = TrackEvent(EventKind(body["kind"]), float(body["t_s"]), str(body["source_id"]),
                           VehicleReport(**vehicle))
        return str(body["replica"]), event
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not an event payload: {exc}") from exc


class PgEventRelay:
    """Sends this replica's camera events to the others and delivers theirs into the local hub."""

    def __init__(self, engine: Engine, replica_id: str, hub: EventHub) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("the event relay needs PostgreSQL")
        self.engine = engine
        self.replica_id = replica_id
        self.hub = hub
        self._url = make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="event-relay", daemon=True)
        self.received = 0

    def start(self) -> None:
        """Forward this hub's events and start listening for the others'."""
        self.hub.forward_to(self.send)
        self._thread.start()

    def wait_listening(self, timeout_s: float) -> bool:
        """True once the listener is connected (tests, start-up)."""
        return self._listening.wait(timeout_s)

    def send(self, event: TrackEvent) -> None:
        """NOTIFY every replica of one event."""
        with self.engine.begin() as conn:
            conn.execute(text("SELECT pg_notify(:channel, :payload)"),
                         {"channel": CHANNEL, "payload": event_json(self.replica_id, event)})

    def stop(self) -> None:
        """Stop forwarding and listening."""
        self.hub.forward_to(None)
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)

    def _listen(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    backoff = 0.5
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=POLL_S):
                            self._deliver(note.payload)
            except psycopg.Error as exc:
                self._listening.clear()
                log.warning("event relay: listener lost (%s); again in %.1f s", type(exc).__name__, backoff)
                self._stop.wait(backoff)
                backoff = min(MAX_BACKOFF_S, backoff * 2)

    def _deliver(self, payload: str) -> None:
        try:
            sender, event = parse_event(payload)
        except ValueError:
            log.warning("event relay: ignored a payload that is no event")
            return
        if sender != self.replica_id:  # our own events reached our subscribers when they were published
            self.received += 1
            self.hub.deliver(event)
