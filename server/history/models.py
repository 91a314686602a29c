"""SQLAlchemy 2 tables of the history (the Alembic migrations create exactly these)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only gives an auto-incrementing rowid to a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of the history tables."""


class Plate(Base):
    """One distinct normalised plate text and its look-alike-folded key."""

    __tablename__ = "plates"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(String(32), unique=True)
    folded: Mapped[str] = mapped_column(String(32), index=True)


class PlateVariant(Base):
    """The deletion neighbourhood of a plate's folded key: the fuzzy-search index."""

    __tablename__ = "plate_variants"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 (SQLAlchemy reads it once)
    variant: Mapped[str] = mapped_column(String(32), primary_key=True)
    deletions: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    plate_id: Mapped[int] = mapped_column(BigId, ForeignKey("plates.id", ondelete="CASCADE"), primary_key=True)


class Read(Base):
    """One recorded plate read."""

    __tablename__ = "reads"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    read_at: Mapped[datetime] = mapped_column(DateTime())  # UTC, naive
    source: Mapped[str] = mapped_column(String(16), default="image")
    camera_id: Mapped[str] = mapped_column(String(128), default="")
    request_id: Mapped[str] = mapped_column(String(128), default="")
    track_id: Mapped[str] = mapped_column(String(128), default="")
    plate_id: Mapped[int] = mapped_column(BigId, ForeignKey("plates.id"))
    plate_text: Mapped[str] = mapped_column(String(64))
    plate_number: Mapped[str] = mapped_column(String(64), default="")
    plate_normalized: Mapped[str] = mapped_column(String(32))
    plate_folded: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    plate_valid: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    region_code: Mapped[str] = mapped_column(String(16), default="")
    region_name: Mapped[str] = mapped_column(String(128), default="")
    plate_type: Mapped[str] = mapped_column(String(32), default="")
    text_color: Mapped[str] = mapped_column(String(16), default="")
    background_color: Mapped[str] = mapped_column(String(16), default="")
    plate_date: Mapped[str] = mapped_column(String(16), default="")
    vehicle_class: Mapped[str] = mapped_column(String(32), default="")
    vehicle_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    direction: Mapped[str] = mapped_column(String(32), default="")
    plate_box: Mapped[str] = mapped_column(String(64), default="")  # "x1,y1,x2,y2" or ""
    vehicle_box: Mapped[str] = mapped_column(String(64), default="")
    image_width: Mapped[int] = mapped_column(Integer, default=0)
    image_height: Mapped[int] = mapped_column(Integer, default=0)
    original_filename: Mapped[str] = mapped_column(String(255), default="")
    uploaded_image_path: Mapped[str] = mapped_column(Text, default="")
    evidence_image_path: Mapped[str] = mapped_column(Text, default="")
    plate_image_path: Mapped[str] = mapped_column(Text, default="")
    vehicle_image_path: Mapped[str] = mapped_column(Text, default="")
    results_path: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_reads_time", "read_at", "id"),
        Index("ix_reads_plate_time", "plate_id", "read_at", "id"),
        Index("ix_reads_normalized_time", "plate_normalized", "read_at"),
        Index("ix_reads_camera_time", "camera_id", "read_at"),
    )


class WatchlistEntry(Base):
    """A plate to watch for, with its tolerance and optional webhook."""

    __tablename__ = "watchlist_entries"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    plate_number: Mapped[str] = mapped_column(String(64))
    plate_normalized: Mapped[str] = mapped_column(String(32))
    match_distance: Mapped[float] = mapped_column(Float, default=0.0)
    label: Mapped[str] = mapped_column(String(255), default="")
    webhook_url: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime())


class AlertRow(Base):
    """A read that matched an entry (entry fields copied: the alert outlives the entry)."""

    __tablename__ = "alerts"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(32), index=True)
    read_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reads.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    plate_number: Mapped[str] = mapped_column(String(64))
    entry_plate_number: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(255), default="")
    distance: Mapped[float] = mapped_column(Float, default=0.0)
    camera_id: Mapped[str] = mapped_column(String(128), default="")


class OutboxRow(Base):
    """A webhook delivery still to make (or made): the persistent outbox."""

    __tablename__ = "webhook_outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(String(32), ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime())
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)


class CameraLease(Base):
    """Which replica watches a camera, until when (database epoch seconds), under which fencing token."""

    __tablename__ = "camera_leases"
    camera_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255), default="", server_default="")
    token: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    expires_at: Mapped[float] = mapped_column(Float(precision=53), default=0.0, server_default="0")


class CameraReplica(Base):
    """A replica's last heartbeat (database epoch seconds)."""

    __tablename__ = "camera_replicas"
    replica_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    seen_at: Mapped[float] = mapped_column(Float(precision=53))
