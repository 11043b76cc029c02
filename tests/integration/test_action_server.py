"""The action server holds people's personal data: loopback only, and nothing without the token."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from mara.ops.embedded_redis import free_port
from mara.settings import ROOT

TOKEN = "t0k3n-" + "a" * 26


def _non_loopback_addresses() -> list[str]:
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=False).stdout
    return [a for a in out.split() if ":" not in a and not a.startswith("127.")]


@pytest.fixture(scope="module")
def action_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("actions")
    port = free_port()
    env = {
        **os.environ,
        "MARA_VAR_DIR": str(tmp / "var"),
        "DATABASE_URL": f"sqlite:///{tmp / 'mara.db'}",
        "MARA_ACTIONS_TOKEN": TOKEN,
    }
    env.pop("MARA_ACTIONS_HOST", None)
    log = open(tmp / "actions.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "mara.ops.action_server", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (tmp / "actions.log").read_text()
        try:
            requests.get(f"{url}/health", timeout=1)
            break
        except requests.RequestException:
            assert time.monotonic() < deadline, "action server did not start"
            time.sleep(0.3)
    yield url, port
    process.terminate()
    process.wait(20)


def _start_pqrs_call(sender_id: str) -> dict:
    """What the probe sent: Rasa's action call for the form that reads saved personal data."""
    return {
        "next_action": "action_start_pqrs",
        "sender_id": sender_id,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender_id,
            "slots": {},
            "latest_message": {"text": "1", "intent": {}, "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


@pytest.mark.parametrize(
    "how",
    [
        {},
        {"params": {"token": "wrong"}},
        {"params": {"token": TOKEN[:-1]}},
        {"headers": {"Authorization": "Bearer wrong"}},
        {"params": {"token": ""}},
    ],
    ids=["no-token", "wrong-token", "prefix-of-token", "wrong-bearer", "empty-token"],
)
def test_webhook_without_the_token_is_refused(action_server, how):
    url, _ = action_server
    response = requests.post(
        f"{url}/webhook", json=_start_pqrs_call("573001234567"), timeout=10, **how
    )
    assert response.status_code == 401
    assert "573001234567" not in response.text
    assert requests.get(f"{url}/actions", timeout=5, **how).status_code == 401


def test_the_token_opens_it_and_health_needs_none(action_server):
    url, _ = action_server
    assert requests.get(f"{url}/health", timeout=5).json() == {"status": "ok"}
    listed = requests.get(f"{url}/actions", params={"token": TOKEN}, timeout=5)
    assert listed.status_code == 200
    assert {"name": "action_start_pqrs"} in listed.json()
    bearer = requests.get(f"{url}/actions", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert bearer.status_code == 200


def test_a_failing_action_does_not_echo_the_request(action_server):
    """rasa-sdk's own error answer quotes the whole tracker; ours names the error only."""
    url, _ = action_server
    call = _start_pqrs_call("573001234567")
    call["tracker"] = {"sender_id": "573001234567", "slots": "not-a-dict"}
    response = requests.post(f"{url}/webhook", params={"token": TOKEN}, json=call, timeout=10)
    assert response.status_code >= 400
    assert "573001234567" not in response.text


def test_not_reachable_from_a_non_loopback_address(action_server):
    _, port = action_server
    addresses = _non_loopback_addresses()
    if not addresses:
        pytest.skip("this machine has no non-loopback IPv4 address")
    for address in addresses:
        with pytest.raises(OSError), socket.create_connection((address, port), timeout=3):
            pass
