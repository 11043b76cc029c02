"""Attachments: downloaded from Twilio's media URLs with the account's credentials into
MARA_MEDIA_DIR (host, type and size limits), then opened by staff who may see the request."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask import Flask, Response, request
from sqlalchemy import select, update
from werkzeug.serving import make_server

from mara.adapters import media_store
from mara.db.models import TicketAttachment
from mara.db.unit_of_work import UnitOfWork
from mara.services import attachments, filing
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.support.staff import create_users, csrf_token, login
from webhook import create_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def media_api():
    """Twilio's media endpoint: basic auth, then the file with its content type."""
    app = Flask("media")

    @app.get("/2010-04-01/Accounts/<account>/Messages/<sid>/Media/<media>")
    def media(account, sid, media):
        auth = request.authorization
        if not auth or (auth.username, auth.password) != (ACCOUNT_SID, AUTH_TOKEN):
            return "", 401
        if media == "MEhtml":
            return Response("<script>alert(1)</script>", mimetype="text/html")
        if media == "MEbig":
            return Response(b"\0" * (media_store.MAX_BYTES + 1), mimetype="image/png")
        return Response(PNG, mimetype="image/png")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_attachments_are_fetched_with_limits_and_shown_to_staff(settings, media_api):
    settings = replace(settings, twilio_api_base_url=media_api)
    base = f"{media_api}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media"
    create_users(settings.database_url)
    with UnitOfWork(settings.database_url) as uow:
        filed = filing.file_ticket(
            uow,
            now=datetime(2026, 12, 4, 15, tzinfo=timezone.utc),
            pqrs_type="reclamo",
            description="Adjunto la factura",
            wa_id="573001110000",
            attachments=[
                {"url": f"{base}/MEok", "content_type": "image/png"},
                {"url": f"{base}/MEhtml", "content_type": "image/png"},
                {"url": f"{base}/MEbig", "content_type": "image/png"},
                {"url": "https://evil.example/x.png", "content_type": "image/png"},
            ],
        )
        ticket_id = uow.session.scalar(select(TicketAttachment.ticket_id))
        uow.commit()
    media_dir = Path(settings.media_dir)

    def fetch(url, dest_dir, name):
        # Called with no transaction open: another writer is not blocked (SQLite would say
        # "database is locked"; PostgreSQL would wait on a row lock).
        with UnitOfWork(settings.database_url) as other:
            other.session.execute(
                update(TicketAttachment)
                .where(TicketAttachment.ticket_id == ticket_id)
                .values(content_type="image/png")
            )
            other.commit()
        return fetcher(url, dest_dir, name)

    fetcher = attachments.twilio_fetcher(settings)
    assert attachments.fetch_missing(
        lambda: UnitOfWork(settings.database_url), None, media_dir, ticket_id
    ) == (0, ["sin credenciales de Twilio"])
    stored, refused = attachments.fetch_missing(
        lambda: UnitOfWork(settings.database_url), fetch, media_dir, ticket_id
    )
    assert stored == 1
    assert refused == ["type not allowed: text/html", "file too big", "not a Twilio media URL"]
    with UnitOfWork(settings.database_url) as uow:
        ok = uow.session.scalar(select(TicketAttachment).where(TicketAttachment.url.like("%MEok")))
        assert ok.stored_path == f"{ticket_id}/{ok.id}.png"
    app = create_app(settings)
    client = app.test_client()
    login(client, "au")
    page = client.get(f"/staff/requests/{filed.radicado}")
    assert f"/staff/attachments/{ok.id}" in page.text
    response = client.get(f"/staff/attachments/{ok.id}")
    assert response.data == PNG and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    client.post(
        f"/staff/requests/{filed.radicado}/attachments",
        data={"csrf_token": csrf_token(page.text)},
    )
    other = app.test_client()
    login(other, "other_area")
    assert other.get(f"/staff/attachments/{ok.id}").status_code == 404
