"""`mara staff create-user` and `mara api create-token` as real processes."""

from __future__ import annotations

import os

from sqlalchemy import select

from mara.db.models import ApiToken, StaffUser
from mara.db.unit_of_work import UnitOfWork
from mara.services import accounts
from mara.settings import ROOT
from tests.conftest import run

MARA = str(ROOT / ".venv" / "bin" / "mara")


def test_create_user_reads_the_password_from_stdin_and_stores_a_hash(settings):
    env = dict(os.environ)
    # `mara db upgrade` loads config/areas.yml into the (emptied) areas table.
    assert run([MARA, "db", "upgrade"], env=env).returncode == 0
    done = run(
        [
            MARA,
            "staff",
            "create-user",
            "Ana@Caja.co",
            "--role",
            "area",
            "--area",
            "vivienda",
            "--name",
            "Ana Pérez",
        ],
        input="una-clave-larga-1\n",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "created area user ana@caja.co" in done.stdout
    with UnitOfWork(settings.database_url) as uow:
        user = uow.session.scalar(select(StaffUser))
        assert (user.email, user.name, user.area_slug) == ("ana@caja.co", "Ana Pérez", "vivienda")
        assert "una-clave-larga-1" not in user.password_hash
        assert accounts.authenticate(uow, "ana@caja.co", "una-clave-larga-1", user.created_at)
    again = run([MARA, "staff", "create-user", "ana@caja.co", "--role", "au"], input="x" * 12)
    assert again.returncode == 1 and "Ya existe" in again.stderr
    no_area = run([MARA, "staff", "create-user", "b@caja.co", "--role", "area"], input="x" * 12)
    assert no_area.returncode == 1


def test_create_token_prints_it_once_as_the_last_line(settings):
    done = run([MARA, "api", "create-token", "erp"])
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert token.startswith("mara_") and len(token) > 30
    with UnitOfWork(settings.database_url) as uow:
        assert uow.session.scalar(select(ApiToken.token_hash)) != token
        assert accounts.verify_api_token(uow, token) == "erp"
    assert run([MARA, "api", "create-token", "erp"]).returncode == 1
