"""Staff list speed with 100,000 requests in PostgreSQL: p50/p95 of the list page.

Usage: .venv/bin/python benchmarks/staff_list.py [tickets] [rounds]
Creates a throwaway database on MARA_TEST_POSTGRES_ADMIN_URL (default: postgres on
127.0.0.1:5432), migrates it, seeds the tickets (a year of requests, most of them closed),
then times GET /staff/requests through the Flask app as an AU user signed in: the default
view, a free-text search by name, and an area user's view. Drops the database at the end.
"""

from __future__ import annotations

import os
import random
import secrets
import statistics
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, insert, text

from mara.db.models import Requester, Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.ops.cli import db_upgrade
from mara.policy.channels import business_calendar
from mara.services import accounts
from mara.settings import load_settings

ADMIN_URL = os.environ.get(
    "MARA_TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
FIRST = ["María", "José", "Luz", "Carlos", "Ana", "Juan", "Diana", "Andrés", "Paula", "Jorge"]
LAST = ["López", "García", "Rodríguez", "Martínez", "Gómez", "Ramírez", "Ospina", "Cardona"]
TYPES = ["peticion", "queja", "reclamo", "sugerencia", "felicitacion", "informacion"]
AREAS = ["subsidio", "vivienda", "recreacion", "educacion", "salud", "credito", "afiliaciones"]
CHANNELS = ["whatsapp"] * 6 + ["buzon", "presencial", "telefono", "correo", "web"]
OPEN = ["recibido", "clasificado", "en_area", "respondido_area", "reabierto"]


def seed(url: str, n: int) -> None:
    engine = create_engine(url)
    calendar = business_calendar()
    start = datetime(2026, 1, 2, 13, tzinfo=timezone.utc)
    span = (datetime(2026, 12, 4, tzinfo=timezone.utc) - start).total_seconds()
    rng = random.Random(7)
    deadlines_cache: dict = {}
    with engine.begin() as conn:
        people = [
            {
                "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}",
                "document_type": "CC",
                "document_number": str(1_000_000_000 + i),
                "updated_at": start,
            }
            for i in range(n // 2)
        ]
        conn.execute(insert(Requester), people)
        first_id = conn.execute(text("SELECT min(id) FROM requesters")).scalar_one()
    rows = []
    for i in range(n):
        received = start + timedelta(seconds=span * i / n)
        day = received.date()
        if day not in deadlines_cache:
            deadlines_cache[day] = calendar.deadlines(received, "reclamo")
        d = deadlines_cache[day]
        recent = i > n * 0.9
        status = rng.choice(OPEN) if recent or rng.random() < 0.02 else "cerrado"
        rows.append(
            {
                "radicado": f"PQRS-2026-{i + 1:06d}",
                "year": 2026,
                "sequence": i + 1,
                "proposed_type": rng.choice(TYPES),
                "proposed_confidence": rng.random(),
                "pqrs_type": rng.choice(TYPES),
                "status": status,
                "channel": rng.choice(CHANNELS),
                "requester_id": first_id + rng.randrange(n // 2) if rng.random() < 0.8 else None,
                "description": "Solicitud de prueba para medir la lista",
                "wa_id": f"57300{i:07d}",
                "received_at": received,
                "received_on": d.received_on,
                "area_due_on": d.area_due_on,
                "answer_due_on": d.answer_due_on,
                "legal_due_on": d.legal_due_on,
                "legal_term_days": d.legal_term_days,
                "created_at": received,
                "area_slug": None if status in ("recibido", "clasificado") else rng.choice(AREAS),
                "classified_at": None if status == "recibido" else received,
                "version": 1,
            }
        )
    with engine.begin() as conn:
        for chunk in range(0, n, 10_000):
            conn.execute(insert(Ticket), rows[chunk : chunk + 10_000])
    # What autovacuum does soon after a bulk load (statistics, visibility map).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def timed(client, url: str, rounds: int) -> tuple[float, float, int]:
    client.get(url)  # warm the caches once
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    samples.sort()
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    return statistics.median(samples) * 1000, p95 * 1000, len(response.data)


def main(n: int, rounds: int) -> None:
    name = f"mara_bench_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        db_upgrade(url, quiet=True)
        started = time.perf_counter()
        seed(url, n)
        print(f"seeded {n} tickets in {time.perf_counter() - started:.1f} s")
        password = "benchmark-password"
        with UnitOfWork(url) as uow:
            accounts.create_user(uow, "au@bench.test", password, "au")
            accounts.create_user(uow, "area@bench.test", password, "area", area_slug="vivienda")
            uow.commit()
        from mara.web import create_app

        app = create_app(replace(load_settings(), database_url=url))
        app.config["WTF_CSRF_ENABLED"] = False
        for who, views in (
            (
                "au",
                [
                    ("default view", "/staff/requests"),
                    ("search by name, all statuses", "/staff/requests?q=maría+ospina&status=todas"),
                    ("search by document", "/staff/requests?q=1000012345&status=todas"),
                    ("overdue, type filter", "/staff/requests?sla=vencido&type=queja"),
                ],
            ),
            ("area", [("area user's default view", "/staff/requests")]),
        ):
            client = app.test_client()
            client.post("/staff/login", data={"email": f"{who}@bench.test", "password": password})
            for label, view in views:
                p50, p95, size = timed(client, view, rounds)
                print(f"{label:32s} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   ({size // 1024} KiB)")
    finally:
        from mara.db.engine import get_engine

        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 100_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 40,
    )
