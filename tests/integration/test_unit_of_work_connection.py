"""one_connection: a worker job's units of work share one pooled connection (one checkout,
one liveness check), and each still commits or rolls back on its own. Both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from mara.db.engine import get_engine, get_sessionmaker
from mara.db.unit_of_work import UnitOfWork, one_connection


@pytest.fixture
def probe(clean_db):
    engine = get_engine(clean_db)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS uow_probe (n INTEGER)"))
        conn.execute(text("DELETE FROM uow_probe"))
    checkouts: list[int] = []

    def counted(dbapi_connection, record, proxy):
        checkouts.append(id(dbapi_connection))

    event.listen(engine, "checkout", counted)
    yield clean_db, checkouts
    event.remove(engine, "checkout", counted)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE uow_probe"))


def _rows(url: str) -> list[int]:
    with get_engine(url).connect() as conn:
        return sorted(conn.execute(text("SELECT n FROM uow_probe")).scalars())


def test_units_of_work_share_one_checkout_and_commit_each_on_their_own(probe):
    url, checkouts = probe
    factory = get_sessionmaker(url)
    with one_connection(url):
        with UnitOfWork(factory=factory) as uow:
            uow.session.execute(text("INSERT INTO uow_probe VALUES (1)"))
            uow.commit()
        # Committed: another connection sees it while the shared one is still held.
        assert _rows(url) == [1]
        with UnitOfWork(factory=factory) as uow:
            uow.session.execute(text("INSERT INTO uow_probe VALUES (2)"))
            # left without commit: rolled back, the first stays
        with UnitOfWork(factory=factory) as uow:
            uow.session.execute(text("INSERT INTO uow_probe VALUES (3)"))
            uow.commit()
        shared_checkouts = len(checkouts)
    assert _rows(url) == [1, 3]
    # The three units of work took one connection from the pool (the _rows calls two more).
    assert shared_checkouts == 2


def test_a_unit_of_work_opened_inside_another_gets_its_own_transaction(probe):
    url, _ = probe
    if url.startswith("sqlite"):
        pytest.skip("SQLite's BEGIN IMMEDIATE admits one transaction at a time anyway")
    factory = get_sessionmaker(url)
    with one_connection(url), UnitOfWork(factory=factory) as outer:
        outer.session.execute(text("INSERT INTO uow_probe VALUES (1)"))
        outer.session.flush()
        with UnitOfWork(factory=factory) as inner:
            assert inner.session.connection() is not outer.session.connection()
            assert inner.session.execute(text("SELECT count(*) FROM uow_probe")).scalar() == 0
        outer.commit()
    assert _rows(url) == [1]


def test_without_it_each_unit_of_work_checks_out_its_own(probe):
    url, checkouts = probe
    factory = get_sessionmaker(url)
    for n in (1, 2):
        with UnitOfWork(factory=factory) as uow:
            uow.session.execute(text(f"INSERT INTO uow_probe VALUES ({n})"))
            uow.commit()
    assert len(checkouts) == 2


def test_an_autocommit_unit_commits_each_statement_as_it_runs_then_transactions_are_back(probe):
    """A worker's statements that stand on their own skip BEGIN and COMMIT on PostgreSQL;
    the shared connection is transactional again for the next unit, even after an error.
    On SQLite the unit is an ordinary transaction."""
    url, _ = probe
    factory = get_sessionmaker(url)
    postgresql = not url.startswith("sqlite")
    with one_connection(url):
        with UnitOfWork(factory=factory, autocommit=True) as uow:
            uow.session.execute(text("INSERT INTO uow_probe VALUES (1)"))
            # Another connection sees it at once (SQLite's writer holds the lock meanwhile).
            if postgresql:
                assert _rows(url) == [1]
            uow.commit()
        with pytest.raises(ZeroDivisionError), UnitOfWork(factory=factory, autocommit=True) as uow:
            uow.session.execute(text("INSERT INTO uow_probe VALUES (2)"))
            1 / 0  # noqa: B018
        with UnitOfWork(factory=factory) as uow:
            uow.session.execute(text("INSERT INTO uow_probe VALUES (3)"))
            # left without commit: rolled back, as in any transaction
    # The unit that failed had written 2: kept on PostgreSQL (committed as it ran), rolled
    # back with its transaction on SQLite.
    assert _rows(url) == ([1, 2] if postgresql else [1])
