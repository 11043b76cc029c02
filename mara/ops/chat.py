"""A WhatsApp user in the terminal: signed webhook requests in, stored replies out."""

from __future__ import annotations

import secrets
import threading
import time

import requests
from twilio.request_validator import RequestValidator

from mara.db.unit_of_work import UnitOfWork
from mara.services import inbox, outbox
from mara.settings import Settings

DEFAULT_FROM = "whatsapp:+573001234567"


def signed_post(
    settings: Settings,
    path: str,
    form: dict[str, str],
    base_url: str | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    """POST like Twilio does: form-encoded, signed over PUBLIC_URL + path (on `session`'s
    kept-alive connection when one is given)."""
    target = (base_url or f"http://127.0.0.1:{settings.port}") + path
    return (session or requests).post(
        target,
        data=form,
        headers={"X-Twilio-Signature": twilio_signature(settings, path, form)},
        timeout=10,
    )


def twilio_signature(settings: Settings, path: str, form: dict[str, str]) -> str:
    """The X-Twilio-Signature Twilio sends with `form` posted to PUBLIC_URL + path."""
    return RequestValidator(settings.twilio_auth_token).compute_signature(
        settings.public_url + path, form
    )


def inbound_form(
    from_address: str, body: str, to: str | None = None, profile_name: str = "Usuario de prueba"
) -> dict[str, str]:
    wa_id = from_address.removeprefix("whatsapp:+")
    return {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": "AC" + "0" * 32,
        "From": from_address,
        "To": to or "whatsapp:+573107954670",
        "WaId": wa_id,
        "ProfileName": profile_name,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }


def say(settings: Settings, from_address: str, text: str, timeout: float = 60) -> list[str]:
    """One turn: post the message, wait until it is answered, return the replies."""
    form = inbound_form(from_address, text)
    signed_post(settings, "/twilio/whatsapp", form).raise_for_status()
    return wait_for_replies(settings, form["MessageSid"], timeout)


def wait_for_replies(settings: Settings, message_sid: str, timeout: float = 60) -> list[str]:
    """The replies to one inbound message, once it is processed and all of them are sent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with UnitOfWork(settings.database_url) as uow:
            state = inbox.inbound_state(uow, message_sid)
            if state and state[1] != "pending":
                replies = outbox.replies_to(uow, state[0])
                if all(r.status not in ("pending", "sending") for r in replies):
                    if state[1] == "failed":
                        raise RuntimeError("MARA could not answer (left for mara replay)")
                    return [r.body for r in replies]
        time.sleep(0.05)
    raise TimeoutError("no answer in time")


def chat(settings: Settings, from_address: str = DEFAULT_FROM) -> None:
    """Interactive loop; replies are printed as they are delivered. Ctrl-D ends it."""
    wa_id = from_address.removeprefix("whatsapp:+")
    with UnitOfWork(settings.database_url) as uow:
        last_seen = outbox.last_outbound_id(uow, wa_id)
    done = threading.Event()

    def show_replies() -> None:
        nonlocal last_seen
        while not done.is_set():
            with UnitOfWork(settings.database_url) as uow:
                rows = outbox.outbox_after(uow, wa_id, last_seen)
            for row_id, body, _status in rows:
                last_seen = row_id
                print(f"\rMARA › {body}\n", flush=True)
            time.sleep(0.3)

    threading.Thread(target=show_replies, daemon=True).start()
    print(f"Chat como {from_address}. Escribe tu mensaje (Ctrl-D para salir).\n")
    try:
        while True:
            try:
                text = input()
            except EOFError:
                break
            if not text.strip():
                continue
            response = signed_post(settings, "/twilio/whatsapp", inbound_form(from_address, text))
            if response.status_code != 200:
                print(f"(el webhook respondió {response.status_code})")
    finally:
        time.sleep(0.5)
        done.set()
