"""History tests run against a real SQLite file and a real PostgreSQL server started here.

The PostgreSQL cluster is a throwaway one (initdb + pg_ctl on a free loopback port, scripts/pg_cluster.py),
one per test session, with a fresh database per test. Without the binaries those tests skip, saying why.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from scripts.pg_cluster import PgCluster, unavailable_reason
from server.history.store import HistoryStore

UTC = ZoneInfo("UTC")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a throwaway PostgreSQL cluster (skips when PostgreSQL is not installed)."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    cluster = PgCluster()
    cluster.start()
    yield cluster.url
    cluster.stop()


def fresh_pg_database(server_url: str) -> str:
    """A new, empty database on the cluster; its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.db'}"
    return fresh_pg_database(request.getfixturevalue("pg_server"))


@pytest.fixture
def store(db_url: str) -> Iterator[HistoryStore]:
    """A migrated store on db_url."""
    s = HistoryStore.open(db_url, tz=UTC)
    yield s
    s.close()
