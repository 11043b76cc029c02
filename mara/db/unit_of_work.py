"""Unit of work: the transaction boundary of one use case, and the only place that commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from mara.db.engine import get_sessionmaker


class UnitOfWork:
    """`with UnitOfWork(url) as uow: ...; uow.commit()`: one use case, one commit.

    Services only add, flush and use savepoints; leaving the block without `commit()`
    (an exception, an early return) rolls back everything the use case wrote.
    """

    def __init__(
        self, database_url: str | None = None, factory: sessionmaker[Any] | None = None
    ) -> None:
        if factory is None:
            if database_url is None:
                from mara.settings import load_settings

                database_url = load_settings().database_url
            factory = get_sessionmaker(database_url)
        self._factory = factory
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(self, *_: Any) -> None:
        # Closing rolls back whatever was not committed; loaded objects stay readable.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()
