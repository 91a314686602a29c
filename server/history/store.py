"""HistoryStore: record reads, search them, keep watch lists and alerts (SQLite or PostgreSQL).

Video/camera FINAL events and image requests both end in `HistoryStore.record(NewRead)`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, Engine, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.errors import InvalidInputError, NotFoundError, Reason
from server.history import migrate
from server.history.csv_export import csv_lines
from server.history.database import make_engine
from server.history.models import AlertRow, OutboxRow, Plate, PlateVariant, Read, WatchlistEntry
from server.history.payload import webhook_payload
from server.history.plates import MAX_FUZZY_DISTANCE, MAX_PLATE_LENGTH, deletion_variants
from server.history.records import (
    Alert,
    NewRead,
    NewWatchEntry,
    ReadPage,
    ReadQuery,
    RecordResult,
    StoredRead,
    WatchEntry,
)
from server.history.rows import alert, read_columns, stored_read, watch_entry
from server.history.search import search_reads
from server.history.timeutil import to_db, utc_now
from server.history.webhook_url import check_webhook_url
from server.plates.identity import fold, normalise, weighted_distance

Now = Callable[[], datetime]
MAX_ALERTS = 1000


class HistoryStore:
    """One database behind record / search / watch list / alerts; thread-safe (one session per call)."""

    def __init__(self, engine: Engine, *, tz: ZoneInfo, now: Now = utc_now,
                 run_migrations: bool = True) -> None:
        self.engine = engine
        self.tz = tz
        self._now = now
        self._listeners: list[Callable[[], None]] = []
        if run_migrations:
            migrate.upgrade(engine)

    @classmethod
    def open(cls, url: str, *, tz: ZoneInfo, now: Now = utc_now) -> HistoryStore:
        """Open (and migrate) the database at a SQLAlchemy URL."""
        return cls(make_engine(url), tz=tz, now=now)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def on_enqueued(self, listener: Callable[[], None]) -> None:
        """Call listener after a transaction that queued webhook deliveries (wakes the dispatcher)."""
        self._listeners.append(listener)

    # ---- reads ---------------------------------------------------------------------------
    def record(self, read: NewRead, *, fence: Callable[[Session], None] | None = None) -> RecordResult:
        """Record one read, match it against the watch list, queue its webhooks; all in one transaction."""
        return self.record_many([read], fence=fence)[0]

    def record_many(self, reads: Iterable[NewRead], *,
                    fence: Callable[[Session], None] | None = None) -> list[RecordResult]:
        """Record several reads (one image's plates) in one transaction.

        `fence` runs first inside the transaction and aborts it by raising (a camera lease no longer held:
        nothing of the reads is written, no webhook queued).
        """
        results: list[RecordResult] = []
        queued = False
        with Session(self.engine) as session, session.begin():
            if fence is not None:
                fence(session)
            entries = [watch_entry(e) for e in session.execute(select(WatchlistEntry)).scalars()]
            for read in reads:
                normalized = normalise(read.plate_text)
                if not 0 < len(normalized) <= MAX_PLATE_LENGTH:
                    raise InvalidInputError(f"plate text {read.plate_text!r} must have 1 to {MAX_PLATE_LENGTH} "
                                            "letters or digits", reason=Reason.INVALID_PLATE)
                folded = fold(normalized)
                plate_id = self._plate_id(session, normalized, folded)
                row = Read(**read_columns(read), plate_id=plate_id, plate_normalized=normalized,
                           plate_folded=folded)
                session.add(row)
                session.flush()
                stored = stored_read(row)
                alerts = [self._raise_alert(session, stored, entry, distance)
                          for entry, distance in matching_entries(entries, normalized)]
                queued = queued or any(a.delivery_status == "pending" for a in alerts)
                results.append(RecordResult(row.id, alerts))
        if queued:
            for listener in self._listeners:
                listener()
        return results

    @staticmethod
    def _plate_id(session: Session, normalized: str, folded: str) -> int:
        found = session.execute(select(Plate.id).where(Plate.text == normalized)).scalar_one_or_none()
        if found is not None:
            return int(found)
        try:
            with session.begin_nested():
                plate = Plate(text=normalized, folded=folded)
                session.add(plate)
                session.flush()
                session.execute(insert(PlateVariant), [
                    {"variant": v, "deletions": d, "plate_id": plate.id}
                    for v, d in deletion_variants(folded, MAX_FUZZY_DISTANCE).items()])
                return int(plate.id)
        except IntegrityError:  # another writer added the same plate first
            return int(session.execute(select(Plate.id).where(Plate.text == normalized)).scalar_one())

    def search(self, query: ReadQuery) -> ReadPage:
        """A page of reads matching the query, newest first."""
        with Session(self.engine) as session:
            return search_reads(session, query)

    def get_read(self, read_id: int) -> StoredRead:
        """One read by id (NotFoundError when absent)."""
        with Session(self.engine) as session:
            row = session.get(Read, read_id)
            if row is None:
                raise NotFoundError(f"read {read_id} not found")
            return stored_read(row)

    def export_csv(self, query: ReadQuery, *, page_size: int = 1000) -> Iterator[str]:
        """Every read the query matches (all pages, query.limit ignored) as CSV lines, header first."""
        def pages() -> Iterator[list[StoredRead]]:
            cursor = query.cursor
            while True:
                page = self.search(replace(query, limit=page_size, cursor=cursor))
                yield page.reads
                if not page.next_cursor:
                    return
                cursor = page.next_cursor
        return csv_lines(pages(), self.tz)

    def count_reads(self) -> int:
        """How many reads are stored."""
        with Session(self.engine) as session:
            return int(session.execute(select(func.count()).select_from(Read)).scalar_one())

    # ---- watch list ----------------------------------------------------------------------
    def add_watch_entry(self, new: NewWatchEntry) -> WatchEntry:
        """Store an entry; InvalidInputError for an empty plate, a bad distance or a bad webhook URL."""
        normalized = normalise(new.plate_number)
        if not 0 < len(normalized) <= MAX_PLATE_LENGTH:
            raise InvalidInputError(f"plate_number must have 1 to {MAX_PLATE_LENGTH} letters or digits",
                                    reason=Reason.INVALID_PLATE)
        if not 0 <= new.match_distance <= MAX_FUZZY_DISTANCE:
            raise InvalidInputError(f"match_distance must be between 0 and {MAX_FUZZY_DISTANCE}",
                                    reason=Reason.INVALID_QUERY)
        if len(new.plate_number) > 64 or len(new.label) > 255:
            raise InvalidInputError("plate_number is limited to 64 characters, label to 255",
                                    reason=Reason.INVALID_ARGUMENT)
        if new.webhook_url:
            check_webhook_url(new.webhook_url)
        row = WatchlistEntry(id=uuid.uuid4().hex, plate_number=new.plate_number.strip(),
                             plate_normalized=normalized, match_distance=float(new.match_distance),
                             label=new.label, webhook_url=new.webhook_url, created_at=to_db(self._now()))
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            return watch_entry(row)

    def list_watch_entries(self) -> list[WatchEntry]:
        """Every entry, oldest first."""
        with Session(self.engine) as session:
            rows = session.execute(select(WatchlistEntry).order_by(WatchlistEntry.created_at)).scalars()
            return [watch_entry(r) for r in rows]

    def delete_watch_entry(self, entry_id: str) -> None:
        """Remove an entry (its alerts stay); NotFoundError when there is none."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(delete(WatchlistEntry).where(WatchlistEntry.id == entry_id))
            deleted = cast(CursorResult[Any], result).rowcount
        if not deleted:
            raise NotFoundError(f"watch-list entry {entry_id!r} not found", reason=Reason.WATCHLIST_ENTRY_NOT_FOUND)

    def is_watched(self, plate_texts: Iterable[str]) -> bool:
        """True when any of the texts matches a watch-list entry."""
        texts = [t for t in (normalise(p) for p in plate_texts) if t]
        if not texts:
            return False
        with Session(self.engine) as session:
            entries = [watch_entry(e) for e in session.execute(select(WatchlistEntry)).scalars()]
        return any(matching_entries(entries, t) for t in texts)

    # ---- alerts --------------------------------------------------------------------------
    def _raise_alert(self, session: Session, stored: StoredRead, entry: WatchEntry, distance: float) -> Alert:
        row = AlertRow(id=uuid.uuid4().hex, entry_id=entry.entry_id, read_id=stored.read_id,
                       created_at=to_db(self._now()), plate_number=stored.read.plate_number,
                       entry_plate_number=entry.plate_number, label=entry.label, distance=distance,
                       camera_id=stored.read.camera_id)
        session.add(row)
        session.flush()
        if not entry.webhook_url:
            return alert(row, status="none", read=stored)
        payload = webhook_payload(alert_id=row.id, distance=distance, stored=stored, entry=entry, tz=self.tz)
        session.add(OutboxRow(alert_id=row.id, idempotency_key=row.id, url=entry.webhook_url,
                              payload=json.dumps(payload, ensure_ascii=False), status="pending", attempts=0,
                              next_attempt_at=to_db(self._now()), last_error="", created_at=to_db(self._now())))
        return alert(row, status="pending", read=stored)

    def list_alerts(self, *, limit: int = 100, entry_id: str = "", since: datetime | None = None) -> list[Alert]:
        """Newest alerts first, with their delivery state and read."""
        if not 1 <= limit <= MAX_ALERTS:
            raise InvalidInputError(f"limit must be between 1 and {MAX_ALERTS}", reason=Reason.INVALID_QUERY)
        statement = (select(AlertRow, OutboxRow, Read)
                     .outerjoin(OutboxRow, OutboxRow.alert_id == AlertRow.id)
                     .outerjoin(Read, Read.id == AlertRow.read_id))
        if entry_id:
            statement = statement.where(AlertRow.entry_id == entry_id)
        if since is not None:
            statement = statement.where(AlertRow.created_at >= to_db(since))
        statement = statement.order_by(AlertRow.created_at.desc(), AlertRow.id).limit(limit)
        with Session(self.engine) as session:
            out = []
            for a, box, r in session.execute(statement).all():
                read = stored_read(r, a.distance) if r is not None else None
                if box is None:
                    out.append(alert(a, status="none", read=read))
                else:
                    out.append(alert(a, status=box.status, attempts=box.attempts, last_error=box.last_error,
                                     delivered_at=box.delivered_at, read=read))
            return out

    # ---- retention -----------------------------------------------------------------------
    def delete_reads_before(self, cutoff: datetime, *, batch: int = 1000) -> tuple[int, list[str]]:
        """Delete reads older than cutoff; (how many, their artefact paths) so the caller removes the files."""
        removed, paths = 0, list[str]()
        while True:
            with Session(self.engine) as session, session.begin():
                rows = session.execute(select(Read).where(Read.read_at < to_db(cutoff)).limit(batch)).scalars().all()
                if not rows:
                    return removed, paths
                for r in rows:
                    paths.extend(p for p in (r.uploaded_image_path, r.evidence_image_path, r.plate_image_path,
                                             r.vehicle_image_path, r.results_path) if p)
                session.execute(delete(Read).where(Read.id.in_([r.id for r in rows])))
                removed += len(rows)

    def artefacts_still_referenced(self, paths: Iterable[str]) -> set[str]:
        """Which of the paths a remaining read still names (one image's reads share its files)."""
        wanted = set(paths)
        if not wanted:
            return set()
        columns = (Read.uploaded_image_path, Read.evidence_image_path, Read.plate_image_path,
                   Read.vehicle_image_path, Read.results_path)
        found: set[str] = set()
        with Session(self.engine) as session:
            chunk = list(wanted)
            for i in range(0, len(chunk), 500):
                part = chunk[i:i + 500]
                for column in columns:
                    found.update(session.execute(select(column).where(column.in_(part)).distinct()).scalars())
        return found


def matching_entries(entries: list[WatchEntry], normalized: str) -> list[tuple[WatchEntry, float]]:
    """The entries a normalised plate text matches, with the weighted distance of each."""
    out = []
    for entry in entries:
        if abs(len(entry.plate_normalized) - len(normalized)) > entry.match_distance:
            continue
        distance = weighted_distance(normalized, entry.plate_normalized, limit=entry.match_distance)
        if distance <= entry.match_distance + 1e-9:
            out.append((entry, distance))
    return out
