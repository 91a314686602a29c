"""Fan-out of camera events to subscribers; a slow subscriber loses its oldest events, never blocks."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator

from server.video.events import TrackEvent

log = logging.getLogger(__name__)


class Subscription:
    """One subscriber's bounded queue of events (oldest dropped when full)."""

    def __init__(self, hub: EventHub, sources: frozenset[str], size: int) -> None:
        self._hub = hub
        self.sources = sources
        self._queue: queue.Queue[TrackEvent | None] = queue.Queue(maxsize=size)
        self.dropped = 0

    def offer(self, event: TrackEvent | None) -> None:
        """Queue an event (None: the hub is closing), dropping the oldest if full."""
        while True:
            try:
                self._queue.put_nowait(event)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def get(self, timeout_s: float) -> TrackEvent | None:
        """The next event, or None after timeout_s (or when the hub closed)."""
        try:
            return self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return None

    def events(self, active: threading.Event | None = None, poll_s: float = 0.5) -> Iterator[TrackEvent]:
        """Events until the hub closes or `active` is cleared (checked every poll_s)."""
        while active is None or active.is_set():
            event = self.get(poll_s)
            if event is not None:
                yield event
            elif self._hub.closed:
                return

    def close(self) -> None:
        """Stop receiving."""
        self._hub.unsubscribe(self)


class EventHub:
    """Publishes each camera's events to every subscriber that follows that camera."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._lock = threading.Lock()
        self._subs: list[Subscription] = []
        self._queue_size = queue_size
        self._forward: Callable[[TrackEvent], None] | None = None
        self.closed = False
        self.published = 0

    def forward_to(self, sink: Callable[[TrackEvent], None] | None) -> None:
        """Also hand every event published here to `sink` (the relay to the other replicas' hubs)."""
        self._forward = sink

    def subscribe(self, sources: frozenset[str] = frozenset()) -> Subscription:
        """A new subscription to the given sources (empty: all)."""
        sub = Subscription(self, sources, self._queue_size)
        with self._lock:
            self._subs.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Remove a subscription (idempotent)."""
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    def publish(self, event: TrackEvent) -> None:
        """Give the event to every interested subscriber here, and to the relay when there is one."""
        self.deliver(event)
        if self._forward is not None:
            try:
                self._forward(event)
            except Exception:  # the relay's trouble never stops a camera
                log.exception("event relay failed for an event of %s", event.source_id)

    def deliver(self, event: TrackEvent) -> None:
        """Give the event to every interested subscriber here only (never blocks)."""
        with self._lock:
            subs = list(self._subs)
            self.published += 1
        for sub in subs:
            if not sub.sources or event.source_id in sub.sources:
                sub.offer(event)

    @property
    def subscribers(self) -> int:
        """How many subscriptions are open."""
        with self._lock:
            return len(self._subs)

    def close(self) -> None:
        """Wake every subscriber; they end."""
        self.closed = True
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            sub.offer(None)
