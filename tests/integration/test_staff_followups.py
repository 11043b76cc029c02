"""The sweep's follow-ups in the staff web (badge, inbox, acknowledge; each user sees
theirs), AU's open staff alerts (resolve) and the quarterly report page with its PNG
charts, CSV and PDF (AU and admin)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from mara.db.models import StaffAlert
from mara.db.unit_of_work import UnitOfWork
from mara.domain.calendar import BOGOTA
from mara.policy.channels import business_calendar
from mara.services import alerts, followup
from tests.support.staff import create_users, login, token_for
from tests.support.tickets import make_ticket
from webhook import create_app


def bog(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=BOGOTA)


@pytest.fixture
def app(settings, monkeypatch):
    monkeypatch.setenv("MARA_CLOCK", bog(2026, 12, 11, 9).isoformat())
    app = create_app(settings)
    create_users(settings.database_url)
    _, area_radicado = make_ticket(settings.database_url, bog(2026, 12, 4), area_slug="vivienda")
    _, au_radicado = make_ticket(settings.database_url, bog(2026, 11, 26), status="recibido")
    with UnitOfWork(settings.database_url) as uow:
        followup.sweep(uow, bog(2026, 12, 11, 9), business_calendar(), None)
        uow.commit()
    app.config["RADICADOS"] = {"area": area_radicado, "au": au_radicado}
    return app


def pending_ids(app, recipient):
    with UnitOfWork(app.config["MARA_SETTINGS"].database_url) as uow:
        return [f.id for f in followup.pending_followups(uow, recipient)]


def test_each_user_sees_their_follow_ups_and_acknowledges_them(app):
    radicados = app.config["RADICADOS"]
    au_ids, area_ids = pending_ids(app, "au"), pending_ids(app, "area:vivienda")
    assert au_ids and area_ids
    client = app.test_client()
    login(client, "area")
    home = client.get("/staff/home").text
    assert (
        "Seguimientos" in home and f'class="badge" aria-label="pendientes">{len(area_ids)}<' in home
    )
    page = client.get("/staff/followups").text
    assert radicados["area"] in page and radicados["au"] not in page
    token = token_for(client)
    # Someone else's follow-up: refused quietly, it stays pending.
    client.post("/staff/followups/ack", data={"csrf_token": token, "id": au_ids[0]})
    assert pending_ids(app, "au") == au_ids
    for followup_id in area_ids:
        response = client.post(
            "/staff/followups/ack", data={"csrf_token": token, "id": followup_id}
        )
        assert response.status_code == 302
    assert pending_ids(app, "area:vivienda") == []
    assert 'class="badge"' not in client.get("/staff/home").text

    au = app.test_client()
    login(au, "au")
    page = au.get("/staff/followups").text
    assert radicados["au"] in page and radicados["area"] not in page
    assert "Informe" in page  # AU also reaches the quarterly report


def test_au_sees_open_staff_alerts_and_resolves_them(app):
    url = app.config["MARA_SETTINGS"].database_url
    with UnitOfWork(url) as uow:
        alerts.raise_alert(
            uow, "delivery_failed", "delivery_failed:t1", wa_id="573001112233", detail="HTTP 400"
        )
        uow.commit()
        [alert] = alerts.open_alerts(uow)
    au = app.test_client()
    login(au, "au")
    badge_before = followups_badge(au)
    page = au.get("/staff/followups").text
    assert "Un mensaje de WhatsApp no se pudo entregar" in page and "+573001112233" in page
    assert f"/staff/alerts/{alert.id}/resolve" in page
    # The area user neither sees the alert nor may resolve it.
    area = app.test_client()
    login(area, "area")
    assert "573001112233" not in area.get("/staff/followups").text
    refused = area.post(f"/staff/alerts/{alert.id}/resolve", data={"csrf_token": token_for(area)})
    assert refused.status_code == 403
    assert au.post(f"/staff/alerts/{alert.id}/resolve").status_code == 400  # no CSRF token
    token = token_for(au)
    done = au.post(f"/staff/alerts/{alert.id}/resolve", data={"csrf_token": token})
    assert done.status_code == 302
    with UnitOfWork(url) as uow:
        assert alerts.open_alerts(uow) == []
        assert uow.session.get(StaffAlert, alert.id).resolved_by == "Au <au@comfenalco.test>"
    assert "573001112233" not in au.get("/staff/followups").text
    assert followups_badge(au) == badge_before - 1
    again = au.post(
        f"/staff/alerts/{alert.id}/resolve", data={"csrf_token": token}, follow_redirects=True
    )
    assert "ya estaba resuelta" in again.text


def followups_badge(client) -> int:
    found = re.search(
        r'class="badge" aria-label="pendientes">(\d+)<', client.get("/staff/home").text
    )
    return int(found.group(1)) if found else 0


def test_the_quarterly_report_page_charts_and_downloads(app):
    client = app.test_client()
    login(client, "admin")
    page = client.get("/staff/report?quarter=2026-T4")
    assert page.status_code == 200
    assert "Informe trimestral 2026-T4" in page.text and "Vivienda" in page.text
    assert "/staff/report.csv?quarter=2026-T4" in page.text
    chart = client.get("/staff/report/chart.png?quarter=2026-T4&page=by_area")
    assert chart.mimetype == "image/png" and chart.data.startswith(b"\x89PNG")
    assert client.get("/staff/report/chart.png?page=nope").status_code == 404
    csv = client.get("/staff/report.csv?quarter=2026-T4")
    assert csv.data.startswith("\ufeff".encode()) and b"Vivienda" in csv.data
    assert "attachment" in csv.headers["Content-Disposition"]
    pdf = client.get("/staff/report.pdf?quarter=2026-T4")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert client.get("/staff/report?quarter=2026-T9").status_code == 404
    area = app.test_client()
    login(area, "area")
    assert area.get("/staff/report").status_code == 403
