"""Personal data never reaches a log line: masked where the record is made."""

from __future__ import annotations

import json
import logging

import pytest

from mara.logs import JsonFormatter, PersonalDataFilter, mask


@pytest.mark.parametrize(
    "text",
    [
        "cédula 1094000111",
        "cédula 1.094.000.111",
        "CC 10.123.456",
        "celular 300 123 4567",
        "celular 300-123-4567",
        "celular +573001234567",
        "whatsapp:+573001234567",
        "to=whatsapp:+57 300 123 4567",
        "wa_id 573001234567",
        "correo ana.gomez+pqrs@example.com.co",
        "('whatsapp:+573001234567', 'ana@example.com', '1094000111')",
    ],
)
def test_personal_data_is_masked(text):
    masked = mask(text)
    assert "***" in masked
    for secret in ["1094000111", "094", "123 4567", "1234567", "ana", "10.123.456"]:
        assert secret not in masked.replace("***", "")


@pytest.mark.parametrize("text", ["cc 41'935.122", "cédula 1’094.887.890"])
def test_a_number_written_with_the_apostrophe_of_millions_is_masked_whole(text):
    assert not any(c.isdigit() for c in mask(text)), mask(text)


@pytest.mark.parametrize(
    "text",
    [
        "inbound #123 redelivered",
        "radicado PQRS-2026-000123 filed",
        "job inbound-12345-sweep-1764420000 queued",
        "at 2026-12-04 10:00:00",
        "listening on 127.0.0.1:5055",
        "took 12.345678 s",
        "status 500 after 3 tries",
    ],
)
def test_technical_facts_are_kept(text):
    assert mask(text) == text


def test_a_record_is_one_json_line_with_args_and_traceback_masked():
    record = logging.LogRecord(
        "mara.test",
        logging.ERROR,
        __file__,
        1,
        "send to %s failed",
        ("whatsapp:+573001234567",),
        None,
    )
    try:
        raise ValueError("bad value 1094000111 for ana@example.com\nsecond line")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert PersonalDataFilter().filter(record)
    line = JsonFormatter("worker").format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["msg"] == "send to whatsapp:*** failed"
    assert data["process"] == "worker" and data["level"] == "error"
    assert "1094000111" not in line and "ana@example.com" not in line
    assert "ValueError" in data["exc"]


def test_every_logger_of_a_configured_process_is_masked(capsys):
    import subprocess
    import sys

    code = (
        "import logging\n"
        "from mara.logs import configure_logging\n"
        "lib = logging.getLogger('some.library'); lib.addHandler(logging.StreamHandler())\n"
        "lib.propagate = False\n"
        "configure_logging('web')\n"
        "lib.warning('phone %s', '3001234567')\n"
        "late = logging.getLogger('late'); late.addHandler(logging.StreamHandler())\n"
        "late.warning('mail ana@example.com')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "3001234567" not in out.stderr and "ana@example.com" not in out.stderr
    assert '"msg": "phone ***"' in out.stderr


@pytest.mark.parametrize(
    "text",
    [
        '{"text": "ana dice que el profesor llegó tarde", "event": "rest.timeout"}',
        "{'text': 'ana dice que el profesor llegó tarde', 'intent': None}",
        'user_message="ana dice que el profesor llegó tarde"',
    ],
)
def test_quoted_text_in_structured_events_is_masked(text):
    assert "profesor" not in mask(text) and "***" in mask(text)
