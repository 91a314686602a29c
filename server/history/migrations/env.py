"""Alembic environment: runs on the connection that server.history.migrate hands over."""

from __future__ import annotations

from alembic import context

from server.history.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the history migrations through server.history.migrate.upgrade()")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
