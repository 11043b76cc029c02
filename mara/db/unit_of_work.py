"""Unit of work: one transaction around a service call."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from mara.db.engine import get_sessionmaker


class UnitOfWork:
    """`with UnitOfWork(url) as uow:` commits on success and rolls back on error."""

    def __init__(self, database_url: str | None = None, factory: sessionmaker | None = None):
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

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
