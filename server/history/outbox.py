"""Delivers queued webhook alerts from the persistent outbox: at least once, exponential backoff.

A row is claimed with a short lease (so replicas sharing one PostgreSQL do not send it twice at once),
POSTed with its idempotency key, then marked delivered or rescheduled. Rows survive restarts: a row
whose process died mid-delivery is picked up again when its lease runs out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import CursorResult, Engine, and_, or_, select, update
from sqlalchemy.orm import Session

from server.history.models import OutboxRow
from server.history.payload import EVENT
from server.history.signing import ATTEMPT_HEADER, EVENT_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign
from server.history.timeutil import to_db, utc_now

log = logging.getLogger(__name__)
Now = Callable[[], datetime]


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try."""

    secret: str = ""
    timeout_s: float = 5.0
    max_attempts: int = 30
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    poll_s: float = 1.0
    batch: int = 20
    # Deliveries in flight at once (a slow receiver does not hold up the others).
    concurrency: int = 4

    def delay(self, attempts: int) -> float:
        """Seconds before the next try after `attempts` failed ones."""
        return float(min(self.max_backoff_s, self.backoff_s * 2 ** max(0, attempts - 1)))

    @property
    def lease_s(self) -> float:
        """How long a claimed row stays claimed."""
        return self.timeout_s + 10.0


class WebhookDispatcher:
    """A background thread that empties the outbox; wake() after queueing for a prompt delivery."""

    def __init__(self, engine: Engine, policy: DeliveryPolicy, *, now: Now = utc_now) -> None:
        self.engine = engine
        self.policy = policy
        self._now = now
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client = httpx.Client(timeout=policy.timeout_s, follow_redirects=False)
        self._pool = ThreadPoolExecutor(max_workers=max(1, policy.concurrency), thread_name_prefix="webhook")

    def start(self) -> None:
        """Start the delivery thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="webhook-outbox", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Deliver now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Stop the thread (an attempt in progress finishes first)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.policy.timeout_s + 5)
            self._thread = None
        self._pool.shutdown(wait=True)
        self._client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # a database hiccup must not end deliveries for good
                log.exception("webhook outbox pass failed")
                worked = 0
            if not worked:
                self._wake.wait(self.policy.poll_s)
                self._wake.clear()

    def run_once(self) -> int:
        """Attempt every due row once; returns how many were attempted."""
        claimed = [row_id for row_id in self._due() if not self._stop.is_set() and self._claim(row_id)]
        for future in [self._pool.submit(self._deliver, row_id) for row_id in claimed]:
            future.result()
        return len(claimed)

    def _due(self) -> list[int]:
        now = to_db(self._now())
        with Session(self.engine) as session:
            return list(session.execute(
                select(OutboxRow.id).where(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now,
                                           or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until < now))
                .order_by(OutboxRow.next_attempt_at).limit(self.policy.batch)).scalars())

    def _claim(self, row_id: int) -> bool:
        now = to_db(self._now())
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == row_id, OutboxRow.status == "pending",
                       or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until < now))
                .values(lease_until=now + timedelta(seconds=self.policy.lease_s)))
            claimed = cast(CursorResult[Any], result).rowcount
        return bool(claimed)

    def _deliver(self, row_id: int) -> None:
        with Session(self.engine) as session:
            row = session.get(OutboxRow, row_id)
            if row is None:
                return
            url, body, key, attempts = row.url, row.payload.encode(), row.idempotency_key, row.attempts
        headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: key, EVENT_HEADER: EVENT,
                   ATTEMPT_HEADER: str(attempts + 1), "User-Agent": "galaxy-alpr-webhooks/1"}
        if self.policy.secret:
            headers[SIGNATURE_HEADER] = sign(self.policy.secret, body)
        error = ""
        try:
            response = self._client.post(url, content=body, headers=headers)
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        self._settle(row_id, attempts + 1, error)

    def _settle(self, row_id: int, attempts: int, error: str) -> None:
        now = self._now()
        values: dict[str, object] = {"attempts": attempts, "lease_until": None, "last_error": error}
        if not error:
            values.update(status="delivered", delivered_at=to_db(now))
            log.info("webhook %d delivered (attempt %d)", row_id, attempts)
        elif attempts >= self.policy.max_attempts:
            values.update(status="failed")
            log.warning("webhook %d failed for good after %d attempts: %s", row_id, attempts, error)
        else:
            values.update(next_attempt_at=to_db(now + timedelta(seconds=self.policy.delay(attempts))))
            log.info("webhook %d attempt %d failed (%s); retrying in %.0fs", row_id, attempts, error,
                     self.policy.delay(attempts))
        with Session(self.engine) as session, session.begin():
            session.execute(update(OutboxRow).where(and_(OutboxRow.id == row_id)).values(**values))
