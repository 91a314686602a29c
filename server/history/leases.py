"""Camera leases in PostgreSQL: with several replicas on one database, each camera is watched by one replica.

Each replica runs `LeasedCameras.watched()` every `renew_every_s` (the `CameraManager` placement round).
One round is one transaction:
1. the replica's heartbeat (`camera_replicas.seen_at`), rows for newly configured cameras;
2. its leases renewed (`expires_at` = database time + `ttl_s`);
3. its fair share: ceil(cameras / replicas seen within the TTL); below it, free or expired leases are
   claimed with `SELECT ... FOR UPDATE SKIP LOCKED` (two replicas never wait for, nor take, the same row),
   each claim incrementing the camera's fencing token; above it, the surplus is handed back, one round
   after its watchers were stopped (so the old and new owner never watch at once).
Times are the database's clock, so replicas' clocks may differ. A replica that cannot reach the database
keeps its cameras only while more than one round remains before its leases could expire, then stops them.

Every history write of a camera's read runs `fence(camera_id)` inside its own transaction: the row must
still name this replica with the token it claimed, unexpired, else `LeaseLostError` aborts the write.
A replica paused past its TTL (a stopped process, a long GC) therefore cannot write reads for a camera
that has moved. SQLite (one machine) needs none of this: `EveryCamera` watches every camera.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from server.config import CameraSettings

log = logging.getLogger(__name__)

_NOW = "extract(epoch from clock_timestamp())"


class LeaseLostError(RuntimeError):
    """A camera's read was not written: this replica no longer holds the camera's lease."""


@dataclass(frozen=True)
class Lease:
    """A camera lease as the last round saw it."""

    camera_id: str
    owner: str
    token: int
    expires_at: float  # database epoch seconds


Fence = Callable[[Session], None]


class LeasedCameras:
    """The `CameraPlacement` of a replica among several on one PostgreSQL database."""

    def __init__(self, engine: Engine, replica_id: str, *, ttl_s: float, renew_every_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("camera leases need PostgreSQL (history.database_url); SQLite watches every camera")
        if not 0 < renew_every_s < ttl_s / 2:
            raise ValueError(f"renew_every_s ({renew_every_s}) must be below half of ttl_s ({ttl_s})")
        self.engine = engine
        self.replica_id = replica_id
        self.ttl_s = ttl_s
        self.renew_every_s = renew_every_s
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[str, int] = {}  # camera id -> fencing token
        self._held_until = 0.0  # local clock: the leases are surely valid before this
        self._draining: set[str] = set()  # surplus handed back on the next round
        self._leases: dict[str, Lease] = {}
        self._replicas: list[str] = []

    # ---- CameraPlacement --------------------------------------------------------------------------------
    @property
    def interval_s(self) -> float:
        """A lease round every renew_every_s."""
        return self.renew_every_s

    def watched(self, cameras: Sequence[CameraSettings]) -> frozenset[str]:
        """One lease round; the camera ids this replica should watch now."""
        started = self._clock()
        ids = sorted({c.id for c in cameras})
        try:
            with self.engine.begin() as conn:
                held = self._round(conn, ids)
        except Exception as exc:  # the database is away: keep what is surely still ours, then nothing
            with self._lock:
                if self._held_until - self._clock() <= self.renew_every_s:
                    if self._held:
                        log.warning("camera leases: database unreachable (%s); stopping %d cameras",
                                    type(exc).__name__, len(self._held))
                    self._held.clear()
                    self._draining.clear()
                return frozenset(self._held) - self._draining
        with self._lock:
            self._held = held
            self._held_until = started + self.ttl_s
            return frozenset(held) - self._draining

    def owner(self, camera_id: str) -> str:
        """The replica holding the camera's unexpired lease at the last round ("" when none)."""
        lease = self._leases.get(camera_id)
        return lease.owner if lease is not None else ""

    # ---- what /health and /stats show --------------------------------------------------------------------
    def replicas(self) -> list[str]:
        """The replicas seen within the TTL at the last round."""
        return list(self._replicas)

    def fence(self, camera_id: str) -> Fence | None:
        """A check for a camera's history write (None when this replica holds no lease on it)."""
        token = self._held.get(camera_id)
        if token is None:
            return None

        def check(session: Session) -> None:
            row = session.execute(text(
                f"SELECT 1 FROM camera_leases WHERE camera_id = :camera AND owner = :me AND token = :token "
                f"AND expires_at > {_NOW} FOR SHARE"), {"camera": camera_id, "me": self.replica_id,
                                                         "token": token}).first()
            if row is None:
                raise LeaseLostError(f"camera {camera_id}: lease {token} no longer held by {self.replica_id}")

        return check

    def close(self) -> None:
        """Hand every lease back (a clean shutdown: the cameras move at once instead of after the TTL)."""
        with self._lock:
            self._held.clear()
            self._draining.clear()
        try:
            with self.engine.begin() as conn:
                conn.execute(text(f"UPDATE camera_leases SET owner = '', expires_at = {_NOW} WHERE owner = :me"),
                             {"me": self.replica_id})
                conn.execute(text("DELETE FROM camera_replicas WHERE replica_id = :me"), {"me": self.replica_id})
        except Exception:
            log.exception("camera leases: could not hand the leases back; they expire after %.0f s", self.ttl_s)

    # ---- one round --------------------------------------------------------------------------------------
    def _round(self, conn: Connection, ids: list[str]) -> dict[str, int]:
        execute = conn.execute
        params = {"me": self.replica_id, "ttl": self.ttl_s, "ids": ids}
        execute(text(f"INSERT INTO camera_replicas (replica_id, seen_at) VALUES (:me, {_NOW}) "
                     "ON CONFLICT (replica_id) DO UPDATE SET seen_at = EXCLUDED.seen_at"), params)
        if ids:
            execute(text("INSERT INTO camera_leases (camera_id, owner, token, expires_at) "
                         "SELECT unnest(CAST(:ids AS text[])), '', 0, 0 ON CONFLICT (camera_id) DO NOTHING"), params)
        with self._lock:
            handed_back = sorted(self._draining)
            self._draining.clear()
        if handed_back:
            execute(text(f"UPDATE camera_leases SET owner = '', expires_at = {_NOW} "
                         "WHERE owner = :me AND camera_id = ANY(:back)"), {**params, "back": handed_back})
        renewed = execute(text(f"UPDATE camera_leases SET expires_at = {_NOW} + :ttl WHERE owner = :me "
                               f"AND camera_id = ANY(:ids) AND expires_at > {_NOW} RETURNING camera_id, token"),
                          params).all()
        held = {str(r[0]): int(r[1]) for r in renewed}
        alive = [str(r[0]) for r in execute(text(
            f"SELECT replica_id FROM camera_replicas WHERE seen_at > {_NOW} - :ttl ORDER BY replica_id"), params)]
        share = math.ceil(len(ids) / max(1, len(alive)))
        if len(held) < share:
            free = [str(r[0]) for r in execute(text(
                f"SELECT camera_id FROM camera_leases WHERE camera_id = ANY(:ids) AND camera_id <> ALL(:mine) "
                f"AND (owner = '' OR expires_at <= {_NOW}) ORDER BY camera_id LIMIT :need FOR UPDATE SKIP LOCKED"),
                {**params, "mine": list(held), "need": share - len(held)})]
            if free:
                claimed = execute(text(
                    f"UPDATE camera_leases SET owner = :me, token = token + 1, expires_at = {_NOW} + :ttl "
                    "WHERE camera_id = ANY(:free) RETURNING camera_id, token"), {**params, "free": free}).all()
                for camera_id, token in claimed:
                    log.info("camera %s: leased by %s (token %d)", camera_id, self.replica_id, token)
                    held[str(camera_id)] = int(token)
        elif len(held) > share:
            surplus = sorted(held)[share:]
            log.info("camera leases: %s hands back %s (fair share %d of %d replicas)", self.replica_id,
                     ", ".join(surplus), share, len(alive))
            with self._lock:
                self._draining.update(surplus)
        rows = execute(text(f"SELECT camera_id, owner, token, expires_at FROM camera_leases "
                            f"WHERE camera_id = ANY(:ids) AND owner <> '' AND expires_at > {_NOW}"), params).all()
        self._leases = {str(r[0]): Lease(str(r[0]), str(r[1]), int(r[2]), float(r[3])) for r in rows}
        self._replicas = alive
        return held
