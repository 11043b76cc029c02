"""Shared fixtures: real Redis and databases (PostgreSQL where the machine has one)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from mara.settings import Settings, load_settings
from tests.support.twilio_api import TwilioApi

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token-" + "2" * 16
PG_ADMIN_URL = os.environ.get(
    "MARA_TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


TESTS = Path(__file__).parent
LAYERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test is marked by its folder: `-m unit`, `-m "not e2e"`, `-m e2e`."""
    for item in items:
        folder = item.path.relative_to(TESTS).parts[0]
        if folder in LAYERS:
            item.add_marker(getattr(pytest.mark, folder))


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory):
    """The machine's Redis if it has one (a test database number), else the embedded one."""
    from redis import Redis

    url = os.environ.get("MARA_TEST_REDIS_URL")
    process = None
    if not url and reachable("127.0.0.1", 6379):
        url = "redis://127.0.0.1:6379/13"
    if not url:
        from mara.ops import embedded_redis

        process, url = embedded_redis.start(tmp_path_factory.mktemp("redis"))
        deadline = time.monotonic() + 10
        while True:
            try:
                Redis.from_url(url).ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    Redis.from_url(url).flushdb()
    yield url
    if process:
        process.terminate()
        process.wait(10)


def _pg_database(tmp_name: str):
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{tmp_name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{tmp_name}"


def _drop_pg_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def make_database(kind: str, tmp_dir: Path) -> tuple[str, str | None]:
    """A fresh, migrated database; returns (url, PostgreSQL database name to drop)."""
    from mara.ops.cli import db_upgrade

    if kind == "sqlite":
        url = f"sqlite:///{tmp_dir / 'mara.db'}"
        pg_name = None
    else:
        if not os.environ.get("MARA_TEST_POSTGRES_ADMIN_URL") and not reachable("127.0.0.1", 5432):
            pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
        pg_name = f"mara_test_{secrets.token_hex(4)}"
        url = _pg_database(pg_name)
    db_upgrade(url, quiet=True)
    return url, pg_name


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    url, pg_name = make_database(request.param, tmp_path_factory.mktemp(request.param))
    yield url
    from mara.db.engine import get_engine

    get_engine(url).dispose()
    if pg_name:
        _drop_pg_database(pg_name)


@pytest.fixture
def clean_db(database_url):
    """Each test starts with empty message tables."""
    from mara.db.engine import get_engine
    from mara.db.models import Base

    with get_engine(database_url).begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    return database_url


@pytest.fixture(scope="session")
def twilio_api():
    api = TwilioApi(ACCOUNT_SID, AUTH_TOKEN).start()
    yield api
    api.stop()


@pytest.fixture
def settings(clean_db, redis_url, twilio_api, tmp_path, monkeypatch) -> Settings:
    """Settings for one test, also exported to the environment that jobs read."""
    env = {
        "DATABASE_URL": clean_db,
        "REDIS_URL": redis_url,
        "MARA_VAR_DIR": str(tmp_path / "var"),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155238886",
        "TWILIO_API_BASE_URL": twilio_api.base_url,
        "PUBLIC_URL": "https://mara.example.co",
        "MARA_RETRY_INTERVALS": "1,1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    # Jobs called without a runtime build one from this environment on first use.
    from mara import bootstrap

    monkeypatch.setattr(bootstrap, "_current", None)
    twilio_api.reset()
    from redis import Redis

    Redis.from_url(redis_url).flushdb()
    return load_settings()


def without_twilio(settings: Settings) -> Settings:
    return replace(settings, twilio_account_sid=None, twilio_whatsapp_number=None)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
