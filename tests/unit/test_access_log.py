"""`mara serve`'s gunicorn access log leaves out recorded delivery-status callbacks only."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from mara.domain.messages import STATUS_CALLBACK_PATH
from mara.web.access_log import AccessLogger


def access_lines(tmp_path, method, path, code):
    log_file = tmp_path / "access.log"
    cfg = Config()
    cfg.set("accesslog", str(log_file))
    cfg.set("access_log_format", '"%(r)s" status=%(s)s')
    logger = AccessLogger(cfg)
    resp = SimpleNamespace(
        status=f"{code} X", status_code=code, response_length=0, sent=0, headers=[]
    )
    req = SimpleNamespace(headers=[], method=method, path=path, query="o=7", version=(1, 1))
    environ = {
        "REQUEST_METHOD": method,
        "RAW_URI": f"{path}?o=7",
        "PATH_INFO": path,
        "QUERY_STRING": "o=7",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    logger.access(resp, req, environ, datetime.timedelta(milliseconds=3))
    for handler in logger.access_log.handlers:
        handler.flush()
    return log_file.read_text().splitlines() if log_file.exists() else []


def test_a_recorded_status_callback_writes_no_line(tmp_path):
    assert access_lines(tmp_path, "POST", STATUS_CALLBACK_PATH, 204) == []


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (STATUS_CALLBACK_PATH, 400),  # refused: someone must see it
        (STATUS_CALLBACK_PATH, 403),
        (STATUS_CALLBACK_PATH, 500),
        ("/twilio/whatsapp", 200),  # a person's message
        ("/staff/", 200),
    ],
)
def test_every_other_request_is_logged(tmp_path, path, code):
    lines = access_lines(tmp_path, "POST", path, code)
    assert len(lines) == 1
    assert path in lines[0] and f"status={code}" in lines[0]
