"""Read history, watch lists and alerts: a store behind one small interface (SQLite or PostgreSQL)."""
