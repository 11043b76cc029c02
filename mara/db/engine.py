"""Database engines and session factories, one per URL (SQLite pragmas applied)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import Engine
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


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # hide_parameters: error messages never carry the values (bodies, numbers, names).
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)


@lru_cache(maxsize=8)
def get_sessionmaker(url: str) -> sessionmaker[Any]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)
