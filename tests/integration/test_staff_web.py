"""Every staff URL refuses anonymous and wrong-role users, and every form needs its CSRF
token: the routes come from app.url_map, so a new page cannot be forgotten."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from mara.db.models import ApiToken, StaffUser, Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.services import accounts, filing
from tests.support.staff import USERS, create_users, csrf_token, login, token_for
from webhook import create_app

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)
WA = "573001110000"
PUBLIC_ENDPOINTS = {"staff.login", "staff.logout"}


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.config["USER_IDS"] = create_users(settings.database_url)
    with UnitOfWork(settings.database_url) as uow:
        requester = filing.RequesterData("María Fernanda López", "CC", "1094887890", None, None)
        consent = filing.record_consent(uow, WA, True, "SM1", "2026-11")
        filed = filing.file_ticket(
            uow,
            now=NOW,
            pqrs_type="reclamo",
            description="La piscina estaba cerrada sin aviso",
            wa_id=WA,
            requester=requester,
            consent_id=consent,
        )
        uow.commit()
    app.config["RADICADO"] = filed.radicado
    return app


def staff_rules(app):
    return [
        r
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/staff") and r.endpoint not in PUBLIC_ENDPOINTS
    ]


def url_for_rule(app, rule) -> str:
    values = {
        "radicado": app.config["RADICADO"],
        "attachment_id": 1,
        "user_id": app.config["USER_IDS"]["trainer"],
        "token_id": 1,
        "alert_id": 1,
        "wa_id": WA,
        "run_id": 1,
        "which": "candidate",
    }
    path = rule.rule
    for arg in rule.arguments:
        path = path.replace(f"<{arg}>", str(values[arg])).replace(f"<int:{arg}>", str(values[arg]))
    return path


def methods(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_there_are_staff_routes_and_each_declares_its_roles(app):
    rules = staff_rules(app)
    assert len(rules) >= 20
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "allowed_roles", None), f"{rule.endpoint} has no role check"


def test_anonymous_users_are_sent_to_login_and_see_no_data(app):
    client = app.test_client()
    token = token_for(client)
    for rule in staff_rules(app):
        url = url_for_rule(app, rule)
        for method in methods(rule):
            data = {"csrf_token": token, "version": "1", "type": "queja", "text": "hola"}
            response = client.open(url, method=method, data=data if method == "POST" else None)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.location.startswith("/staff/login"), (method, url)
            body = response.get_data(as_text=True)
            # The redirect names the URL asked for (the radicado in it), nothing stored.
            assert "piscina" not in body and "María" not in body and "reclamo" not in body
    with UnitOfWork(app.config["MARA_SETTINGS"].database_url) as uow:
        ticket = uow.session.scalar(select(Ticket))
        assert (ticket.status, ticket.version) == ("recibido", 1)


@pytest.mark.parametrize("who", sorted(USERS))
def test_wrong_roles_get_403_and_right_roles_get_in(app, who):
    client = app.test_client()
    assert login(client, who).status_code == 302
    token = token_for(client)
    role = USERS[who][1]
    for rule in staff_rules(app):
        allowed = app.view_functions[rule.endpoint].allowed_roles
        url = url_for_rule(app, rule)
        for method in methods(rule):
            if method == "POST" and role in allowed:
                continue  # the actions themselves are tested elsewhere
            response = client.open(
                url,
                method=method,
                data={"csrf_token": token, "version": "1"} if method == "POST" else None,
            )
            if role in allowed:
                assert response.status_code in (200, 302, 404), (who, url, response.status_code)
            else:
                assert response.status_code == 403, (who, method, url, response.status_code)
                assert app.config["RADICADO"] not in response.get_data(as_text=True)


def test_an_area_user_does_not_see_requests_of_other_areas(app):
    au = app.test_client()
    login(au, "au")
    radicado = app.config["RADICADO"]
    token = token_for(au)
    au.post(
        f"/staff/requests/{radicado}/classify",
        data={"csrf_token": token, "version": "1", "type": "reclamo"},
    )
    au.post(
        f"/staff/requests/{radicado}/route",
        data={"csrf_token": token, "version": "2", "area": "vivienda"},
    )
    assert "Vivienda" in au.get(f"/staff/requests/{radicado}").text
    mine, other = app.test_client(), app.test_client()
    login(mine, "area")
    login(other, "other_area")
    assert radicado in mine.get("/staff/requests").text
    assert mine.get(f"/staff/requests/{radicado}").status_code == 200
    assert radicado not in other.get("/staff/requests").text
    assert other.get(f"/staff/requests/{radicado}").status_code == 404
    assert radicado not in other.get("/staff/requests.csv").get_data(as_text=True)


def test_every_post_without_a_csrf_token_is_refused(app):
    client = app.test_client()
    login(client, "admin")
    au = app.test_client()
    login(au, "au")
    posts = [
        r for r in app.url_map.iter_rules() if r.rule.startswith("/staff") and "POST" in r.methods
    ]
    assert any(r.endpoint == "staff.login" for r in posts)
    for rule in posts:
        for c in (client, au):
            response = c.post(url_for_rule(app, rule), data={"version": "1", "type": "queja"})
            assert response.status_code == 400, (rule.rule, response.status_code)
    with UnitOfWork(app.config["MARA_SETTINGS"].database_url) as uow:
        assert uow.session.scalar(select(Ticket)).version == 1


def test_the_session_cookie_is_httponly_lax_and_secure_on_https(app):
    client = app.test_client()
    response = login(client, "au")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "mara_session" in h)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_five_wrong_passwords_lock_the_account_for_15_minutes(app):
    client = app.test_client()
    for _ in range(5):
        assert login(client, "au", password="wrong-password").status_code == 401
    assert login(client, "au").status_code == 401  # even the right one, while locked
    database_url = app.config["MARA_SETTINGS"].database_url
    with UnitOfWork(database_url) as uow:
        user = uow.session.scalar(select(StaffUser).where(StaffUser.email == USERS["au"][0]))
        assert user.locked_until is not None
        user.locked_until = datetime(2000, 1, 1, tzinfo=timezone.utc)
        uow.commit()
    assert login(client, "au").status_code == 302


def test_login_redirects_only_inside_staff(app):
    client = app.test_client()
    page = client.get("/staff/login?next=https://evil.example/")
    response = client.post(
        "/staff/login?next=https://evil.example/",
        data={
            "email": USERS["au"][0],
            "password": "clave-de-prueba-123",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.location == "/staff/"


def test_idle_sessions_expire(app):
    client = app.test_client()
    login(client, "au")
    with client.session_transaction() as session:
        session["seen_at"] -= 31 * 60
    response = client.get("/staff/requests")
    assert response.status_code == 302 and response.location.startswith("/staff/login")
    assert client.get("/staff/requests").status_code == 302


def test_logout_ends_the_session(app):
    client = app.test_client()
    login(client, "au")
    client.post("/staff/logout", data={"csrf_token": token_for(client)})
    assert client.get("/staff/requests").status_code == 302


def test_api_refuses_missing_and_bad_tokens_and_audits_actions(app):
    client = app.test_client()
    radicado = app.config["RADICADO"]
    database_url = app.config["MARA_SETTINGS"].database_url
    with UnitOfWork(database_url) as uow:
        token = accounts.create_api_token(uow, "erp", "test")
        uow.commit()
        assert uow.session.scalar(select(ApiToken.token_hash)) != token
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": token}):
        for url in ("/api/tickets", f"/api/tickets/{radicado}"):
            response = client.get(url, headers=headers)
            assert response.status_code == 401
            assert radicado not in response.get_data(as_text=True)
        response = client.post(f"/api/tickets/{radicado}/close", json={}, headers=headers)
        assert response.status_code == 401
    auth = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/tickets?q=maría", headers=auth).get_json()["tickets"]
    assert [t["radicado"] for t in listed] == [radicado]
    assert set(listed[0]) >= {
        "radicado",
        "type",
        "status",
        "channel",
        "area",
        "received_at",
        "area_due",
        "answer_due",
    }
    assert listed[0]["answer_due"] == "2026-12-16"
    assert (
        client.post(
            f"/api/tickets/{radicado}/classify", json={"type": "queja"}, headers=auth
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/api/tickets/{radicado}/route", json={"area": "recreacion"}, headers=auth
        ).status_code
        == 200
    )
    assert client.post(f"/api/tickets/{radicado}/close", json={}, headers=auth).status_code == 409
    detail = client.get(f"/api/tickets/{radicado}", headers=auth).get_json()
    assert detail["type"] == "queja" and detail["area"] == "recreacion"
    assert detail["description"].startswith("La piscina")
    assert [(e["actor"], e["action"]) for e in detail["events"]] == [
        ("api:erp", "classify"),
        ("api:erp", "route"),
    ]
    assert client.get("/api/tickets?status=en_area", headers=auth).get_json()["tickets"]
    assert not client.get("/api/tickets?type=felicitacion", headers=auth).get_json()["tickets"]


def test_csv_export_has_a_bom_semicolons_and_the_filtered_rows(app):
    client = app.test_client()
    login(client, "au")
    response = client.get("/staff/requests.csv?q=maría")
    assert response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    lines = response.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("radicado;recibida;")
    assert lines[1].startswith(app.config["RADICADO"] + ";") and "M. F. L." in lines[1]
    assert len(client.get("/staff/requests.csv?q=nadie").data.decode().splitlines()) == 1


def test_au_registers_a_request_from_the_mailbox(app):
    client = app.test_client()
    login(client, "au")
    page = client.get("/staff/requests/new")
    form = {
        "csrf_token": csrf_token(page.text),
        "nonce": "n1",
        "channel": "buzon",
        "type": "queja",
        "description": "Nota del buzón: la fila del subsidio fue muy lenta",
        "full_name": "pedro pérez",
        "document_type": "CC",
        "document_number": "71234567",
        "consent": "on",
    }
    response = client.post("/staff/requests/new", data=form)
    assert response.status_code == 302
    detail = client.get(response.location).text
    assert "Pedro Pérez" in detail and "Buzón físico" in detail and "Radicó" in detail
    again = client.post("/staff/requests/new", data=form)  # a double click files once
    assert again.location == response.location
    bad = client.post("/staff/requests/new", data={**form, "nonce": "n2", "consent": ""})
    assert bad.status_code == 400 and "Ley 1581" in bad.text


def test_the_handoff_desk_replies_on_whatsapp_and_releases_the_chat(app):
    from redis import Redis
    from rq import Queue

    from mara import clock
    from mara.db.models import InboundMessage, OutboundMessage
    from mara.services import contact

    settings = app.config["MARA_SETTINGS"]
    with UnitOfWork(settings.database_url) as uow:
        uow.session.add(
            InboundMessage(
                message_sid="SMhandoff",
                wa_id=WA,
                from_address=f"whatsapp:+{WA}",
                to_address="whatsapp:+14155238886",
                body="quiero hablar con una persona",
                received_at=clock.now(),
                status="handoff",
            )
        )
        contact.request_handoff(uow, WA, clock.now())
        uow.commit()
    client = app.test_client()
    login(client, "au")
    assert WA in client.get("/staff/handoffs").text
    page = client.get(f"/staff/handoffs/{WA}")
    assert "quiero hablar con una persona" in page.text
    token = csrf_token(page.text)
    client.post(f"/staff/handoffs/{WA}/reply", data={"csrf_token": token, "text": "Hola, soy Ana"})
    with UnitOfWork(settings.database_url) as uow:
        [reply] = uow.session.scalars(select(OutboundMessage)).all()
        assert (reply.body, reply.kind, reply.wa_id) == ("Hola, soy Ana", "adviser", WA)
    queued = Queue(settings.queue_name, connection=Redis.from_url(settings.redis_url)).job_ids
    assert f"outbound-{reply.id}" in queued
    client.post(f"/staff/handoffs/{WA}/release", data={"csrf_token": token})
    with UnitOfWork(settings.database_url) as uow:
        assert not contact.handoff_active(uow, WA, clock.now())


def test_admin_creates_users_and_a_token_shown_once(app):
    client = app.test_client()
    login(client, "admin")
    page = client.get("/staff/users")
    token = csrf_token(page.text)
    response = client.post(
        "/staff/users",
        data={
            "csrf_token": token,
            "email": "nueva@comfenalco.test",
            "name": "Nueva",
            "role": "area",
            "area": "salud",
            "password": "una-clave-larga-1",
        },
    )
    assert response.status_code == 302
    assert "nueva@comfenalco.test" in client.get("/staff/users").text
    weak = client.post(
        "/staff/users",
        data={"csrf_token": token, "email": "x@y.co", "role": "au", "password": "corta"},
    )
    assert weak.status_code == 400
    created = client.post("/staff/tokens", data={"csrf_token": token, "name": "erp"})
    assert 'id="new-token"' in created.text
    assert 'id="new-token"' not in client.get("/staff/tokens").text


def test_twilio_webhooks_neither_read_nor_refresh_the_staff_session(app, settings):
    """A browser's cookie on a Twilio URL is not a session there: nothing is signed or set
    (a staff session is permanent, so Flask would otherwise re-set it on every request)."""
    from mara.ops.chat import inbound_form, twilio_signature

    client = app.test_client()
    login(client, "au")
    assert client.get("/staff/home").headers.get("Set-Cookie")  # refreshed on staff pages
    form = inbound_form("whatsapp:+573001112233", "hola")
    headers = {"X-Twilio-Signature": twilio_signature(settings, "/twilio/whatsapp", form)}
    response = client.post("/twilio/whatsapp", data=form, headers=headers)
    assert response.status_code == 200
    assert response.headers.get("Set-Cookie") is None
    assert client.get("/staff/home").status_code == 200  # still signed in
