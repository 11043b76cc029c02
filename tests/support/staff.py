"""Staff web test helpers: users of every role, signing in through the real login form."""

from __future__ import annotations

import re

from mara.db.unit_of_work import UnitOfWork
from mara.services import accounts

PASSWORD = "clave-de-prueba-123"
USERS = {
    "au": ("au@comfenalco.test", "au", None),
    "area": ("vivienda@comfenalco.test", "area", "vivienda"),
    "other_area": ("recreacion@comfenalco.test", "area", "recreacion"),
    "trainer": ("trainer@comfenalco.test", "trainer", None),
    "admin": ("admin@comfenalco.test", "admin", None),
}


def create_users(database_url: str) -> dict[str, int]:
    """Sync the areas (tests empty every table) and create one user per role."""
    ids = {}
    with UnitOfWork(database_url) as uow:
        accounts.sync_areas(uow)
        for key, (email, role, area) in USERS.items():
            ids[key] = accounts.create_user(
                uow, email, PASSWORD, role, name=key.title(), area_slug=area
            ).id
        uow.commit()
    return ids


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def login(client, who: str, password: str = PASSWORD):
    page = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={"email": USERS[who][0], "password": password, "csrf_token": csrf_token(page.text)},
    )


def token_for(client) -> str:
    """A valid CSRF token of this client's session."""
    page = client.get("/staff/home")
    return csrf_token(page.text if page.status_code == 200 else client.get("/staff/login").text)
