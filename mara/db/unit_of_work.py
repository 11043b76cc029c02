"""Unit of work: the transaction boundary of one use case, and the only place that commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from mara.db.engine import get_engine, get_sessionmaker

_shared: ContextVar[Connection | None] = ContextVar("mara_shared_connection", default=None)


@contextmanager
def one_connection(database_url: str) -> Iterator[None]:
    """The units of work opened inside (on this database) share one pooled connection: a
    worker job's few transactions check out (and check) a connection once instead of once
    each. Each unit of work still commits or rolls back on its own."""
    with get_engine(database_url).connect() as connection:
        token = _shared.set(connection)
        try:
            yield
        finally:
            _shared.reset(token)


class UnitOfWorkFactory(Protocol):
    """What a use case is given to open its units of work (`functools.partial(UnitOfWork,
    factory=...)`)."""

    def __call__(self, *, autocommit: bool = False) -> UnitOfWork: ...


class UnitOfWork:
    """`with UnitOfWork(url) as uow: ...; uow.commit()`: one use case, one commit.

    Services only add, flush and use savepoints; leaving the block without `commit()`
    (an exception, an early return) rolls back everything the use case wrote.

    `autocommit=True`, for a worker's units whose statements each stand on their own (a
    read; a claim; marking messages sent): on PostgreSQL, inside `one_connection`, each
    statement commits as it runs, with no BEGIN and no COMMIT round trip (psycopg sends
    BEGIN as a round trip of its own). Elsewhere (SQLite, outside a job) it is an ordinary
    transaction, so such a unit still calls `commit()` for what it writes.
    """

    def __init__(
        self,
        database_url: str | None = None,
        factory: sessionmaker[Any] | None = None,
        *,
        autocommit: bool = False,
    ) -> None:
        if factory is None:
            if database_url is None:
                from mara.settings import load_settings

                database_url = load_settings().database_url
            factory = get_sessionmaker(database_url)
        self._factory = factory
        self._autocommit = autocommit
        self._restore: Connection | None = None
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        shared = _shared.get()
        # Not while another unit of work holds it in a transaction (theirs stay separate).
        if (
            shared is not None
            and shared.engine is self._factory.kw.get("bind")
            and not shared.in_transaction()
        ):
            if self._autocommit and shared.dialect.name == "postgresql":
                # Local to psycopg (no round trip); set back on the way out.
                shared.execution_options(isolation_level="AUTOCOMMIT")
                self._restore = shared
            self.session = self._factory(bind=shared)
        else:
            self.session = self._factory()
        return self

    def __exit__(self, *_: Any) -> None:
        # Closing rolls back whatever was not committed; loaded objects stay readable.
        self.session.close()
        if self._restore is not None:
            self._restore.execution_options(isolation_level=self._restore.default_isolation_level)
            self._restore = None

    def commit(self) -> None:
        self.session.commit()
