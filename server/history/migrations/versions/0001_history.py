"""History: plates and their fuzzy index, reads, watch list, alerts, webhook outbox.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create every table and index."""
    op.create_table(
        "plates",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("text", sa.String(32), nullable=False, unique=True),
        sa.Column("folded", sa.String(32), nullable=False),
    )
    op.create_index("ix_plates_folded", "plates", ["folded"])
    op.create_table(
        "plate_variants",
        sa.Column("variant", sa.String(32), primary_key=True),
        sa.Column("deletions", sa.SmallInteger, primary_key=True),
        sa.Column("plate_id", BigId, sa.ForeignKey("plates.id", ondelete="CASCADE"), primary_key=True),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "reads",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("camera_id", sa.String(128), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("track_id", sa.String(128), nullable=False),
        sa.Column("plate_id", BigId, sa.ForeignKey("plates.id"), nullable=False),
        sa.Column("plate_text", sa.String(64), nullable=False),
        sa.Column("plate_number", sa.String(64), nullable=False),
        sa.Column("plate_normalized", sa.String(32), nullable=False),
        sa.Column("plate_folded", sa.String(32), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("plate_valid", sa.Boolean, nullable=True),
        sa.Column("region_code", sa.String(16), nullable=False),
        sa.Column("region_name", sa.String(128), nullable=False),
        sa.Column("plate_type", sa.String(32), nullable=False),
        sa.Column("text_color", sa.String(16), nullable=False),
        sa.Column("background_color", sa.String(16), nullable=False),
        sa.Column("plate_date", sa.String(16), nullable=False),
        sa.Column("vehicle_class", sa.String(32), nullable=False),
        sa.Column("vehicle_confidence", sa.Float, nullable=False),
        sa.Column("direction", sa.String(32), nullable=False),
        sa.Column("plate_box", sa.String(64), nullable=False),
        sa.Column("vehicle_box", sa.String(64), nullable=False),
        sa.Column("image_width", sa.Integer, nullable=False),
        sa.Column("image_height", sa.Integer, nullable=False),
        sa.Column("original_filename", sa.String(255), nullable=False),
        sa.Column("uploaded_image_path", sa.Text, nullable=False),
        sa.Column("evidence_image_path", sa.Text, nullable=False),
        sa.Column("plate_image_path", sa.Text, nullable=False),
        sa.Column("vehicle_image_path", sa.Text, nullable=False),
        sa.Column("results_path", sa.Text, nullable=False),
    )
    op.create_index("ix_reads_time", "reads", ["read_at", "id"])
    op.create_index("ix_reads_plate_time", "reads", ["plate_id", "read_at", "id"])
    op.create_index("ix_reads_normalized_time", "reads", ["plate_normalized", "read_at"])
    op.create_index("ix_reads_camera_time", "reads", ["camera_id", "read_at"])
    op.create_table(
        "watchlist_entries",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("plate_number", sa.String(64), nullable=False),
        sa.Column("plate_normalized", sa.String(32), nullable=False),
        sa.Column("match_distance", sa.Float, nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("webhook_url", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("entry_id", sa.String(32), nullable=False),
        sa.Column("read_id", BigId, sa.ForeignKey("reads.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("plate_number", sa.String(64), nullable=False),
        sa.Column("entry_plate_number", sa.String(64), nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("distance", sa.Float, nullable=False),
        sa.Column("camera_id", sa.String(128), nullable=False),
    )
    op.create_index("ix_alerts_entry_id", "alerts", ["entry_id"])
    op.create_index("ix_alerts_created_at", "alerts", ["created_at"])
    op.create_table(
        "webhook_outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(32), sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_webhook_outbox_alert_id", "webhook_outbox", ["alert_id"])
    op.create_index("ix_outbox_due", "webhook_outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    """Drop everything."""
    for table in ("webhook_outbox", "alerts", "watchlist_entries", "reads", "plate_variants", "plates"):
        op.drop_table(table)
