"""Camera leases among replicas (server/history/leases.py): one row per camera, one per live replica.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the lease and replica tables (times are database epoch seconds)."""
    op.create_table(
        "camera_leases",
        sa.Column("camera_id", sa.String(128), primary_key=True),
        sa.Column("owner", sa.String(255), nullable=False, server_default=""),
        sa.Column("token", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("expires_at", sa.Float(precision=53), nullable=False, server_default="0"),
    )
    op.create_table(
        "camera_replicas",
        sa.Column("replica_id", sa.String(255), primary_key=True),
        sa.Column("seen_at", sa.Float(precision=53), nullable=False),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("camera_replicas")
    op.drop_table("camera_leases")
