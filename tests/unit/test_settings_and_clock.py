"""Configuration from the environment and the MARA_CLOCK override."""

from datetime import datetime, timezone

import pytest

from mara import clock
from mara.ops.supervisor import rasa_environment
from mara.settings import load_settings


def test_defaults_are_the_embedded_ones(tmp_path, monkeypatch):
    for name in [
        "DATABASE_URL",
        "REDIS_URL",
        "MARA_PORT",
        "PUBLIC_URL",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_WHATSAPP_NUMBER",
        "TWILIO_API_BASE_URL",
    ]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MARA_VAR_DIR", str(tmp_path))
    s = load_settings()
    assert s.database_url == f"sqlite:///{tmp_path / 'mara.db'}"
    assert s.redis_url is None
    assert s.public_url == "http://127.0.0.1:5000"
    assert s.twilio_api_base_url == "https://api.twilio.com"
    assert not s.twilio_enabled
    # A local signing token is generated once and shared by every process.
    assert s.twilio_auth_token == load_settings().twilio_auth_token


def test_public_url_and_port(monkeypatch, tmp_path):
    monkeypatch.setenv("MARA_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("MARA_PORT", "8080")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    assert load_settings().public_url == "http://127.0.0.1:8080"
    monkeypatch.setenv("PUBLIC_URL", "https://mara.comfenalcoquindio.co/")
    assert load_settings().public_url == "https://mara.comfenalcoquindio.co"


def test_clock_is_fixed_by_mara_clock(monkeypatch):
    monkeypatch.setenv("MARA_CLOCK", "2026-12-04T10:00:00-05:00")
    assert clock.now() == datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)


def test_mara_clock_needs_an_offset(monkeypatch):
    monkeypatch.setenv("MARA_CLOCK", "2026-12-04T10:00:00")
    with pytest.raises(ValueError, match="offset"):
        clock.now()


def test_rasa_reads_the_application_database_and_redis(monkeypatch, tmp_path):
    monkeypatch.setenv("MARA_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://mara:secret@db.local:5433/mara")
    monkeypatch.setenv("REDIS_URL", "redis://:pw@cache.local:6380/2")
    env = rasa_environment(load_settings())
    assert env["MARA_TRACKER_DIALECT"] == "postgresql"
    assert env["MARA_TRACKER_URL"] == "postgresql://mara:secret@db.local:5433/mara"
    assert (env["MARA_REDIS_HOST"], env["MARA_REDIS_PORT"], env["MARA_REDIS_DB"]) == (
        "cache.local",
        "6380",
        "2",
    )
    assert env["MARA_REDIS_PASSWORD"] == "pw"
