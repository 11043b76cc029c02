"""Database engines and session factories, one per URL (SQLite pragmas applied)."""

from __future__ import annotations

import select
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import sessionmaker


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own BEGIN handling leaves SELECTs and SAVEPOINTs outside the transaction
    # (a released savepoint would commit by itself): SQLAlchemy emits BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets web, worker, actions and Rasa's tracker store share one file.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front (waiting busy_timeout for it): a transaction
    # that reads and then writes cannot fail on a snapshot another writer made stale.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _fresh(_dbapi_connection: Any, record: Any) -> None:
    # Our own mark: the pool clears its `record.fresh` before the checkout event runs.
    record.info["mara_fresh"] = True


def _closed_by_server(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """On checkout: a connection PostgreSQL ended while it sat in the pool (a restart, a
    failover, idle_session_timeout, pg_terminate_backend) has something to read, its last
    message or the end of the stream; an idle one in good health has nothing. The pool then
    replaces it (DisconnectionError), so the caller never meets it. This replaces a "SELECT 1"
    round trip per checkout (pool_pre_ping), ~9 % of a webhook's CPU, with one poll of the
    socket (benchmarks/pipeline_vs_rasa.py); tests/integration/test_engine_checkout.py ends
    the pooled connections under a webhook and a worker's job, and nothing fails. A connection
    just made is not polled (as pre_ping skips it): whatever it may still hold, it cannot have
    been ended while idle, and its replacement would be no different."""
    if record.info.pop("mara_fresh", False):
        return
    if dbapi_connection.closed:
        raise DisconnectionError("the connection is closed")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("the server ended this connection")


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # hide_parameters: error messages never carry the values (bodies, numbers, names).
    engine = create_engine(url, pool_size=5, max_overflow=5, hide_parameters=True)
    event.listen(engine, "connect", _fresh)
    event.listen(engine, "checkout", _closed_by_server)
    return engine


@lru_cache(maxsize=8)
def get_sessionmaker(url: str) -> sessionmaker[Any]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)
