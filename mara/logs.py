"""Logging for every MARA process: one JSON object per line, personal data masked at the logger.

Masking happens where the record is made (a LogRecord factory), so it covers every logger
and handler of the process, including those a library adds later (RQ, gunicorn, Sanic,
Rasa). `PersonalDataFilter` is the same masking as a `logging.Filter`, for logging
configuration files (Rasa's `--logging-config-file`, see rasa_logging.yml).

Masked: quoted values of text-like keys in structured events (`"text": "…"`, Rasa's
channel errors), e-mail addresses, `whatsapp:+…` addresses, and any number of 6 or more digits
(documents, phones, WaIds), written with or without dots, spaces or dashes; dates, IPv4
addresses, decimals and radicados (`PQRS-2026-000123`) are kept. Free text (message bodies,
names) cannot be recognised, so code never logs it: log ids and lengths, not content.
This module imports only the standard library (Rasa's environment imports it too).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import datetime, timezone

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WHATSAPP = re.compile(r"whatsapp:\s*\+?[\d\s().-]+\d", re.IGNORECASE)
# A run of digits with single separators (the apostrophe of millions too: 41'935.122), not
# glued to a word or a dash (radicados, ids).
_NUMBER = re.compile(r"(?<![\w-])\+?\d(?:[ .'’\-]?\d)+(?![\w-])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_IPV4 = re.compile(
    r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}"
)
_DECIMAL = re.compile(r"\d+\.\d+")
# Structured events that quote what a person wrote (Rasa's channel logs "text": "…").
_QUOTED_TEXT = re.compile(
    r"""(["']?(?:text|message|body|user_message|description|full_name|name)["']?\s*[:=]\s*)"""
    r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""",
    re.IGNORECASE,
)
MIN_DIGITS = 6
MASK = "***"


def _mask_number(match: re.Match) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if digits < MIN_DIGITS:
        return text
    if _DATE.fullmatch(text[:10]) or _IPV4.fullmatch(text) or _DECIMAL.fullmatch(text):
        return text
    return MASK


def mask(text: str) -> str:
    """The text with personal data replaced by ***."""
    if not text:
        return text
    text = _QUOTED_TEXT.sub(lambda m: m.group(1) + '"***"', text)
    text = _EMAIL.sub(MASK, text)
    text = _WHATSAPP.sub("whatsapp:" + MASK, text)
    return _NUMBER.sub(_mask_number, text)


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask a record's message and exception text in place (once)."""
    if getattr(record, "_mara_masked", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string must not lose the line
        message = f"{record.msg!r} {record.args!r}"
    record.msg, record.args = mask(message), None
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
    if record.exc_text:
        record.exc_text = mask(record.exc_text)
    if record.stack_info:
        record.stack_info = mask(record.stack_info)
    record._mara_masked = True
    return record


class PersonalDataFilter(logging.Filter):
    """Masks personal data in every record that reaches the handler; making one (as a
    logging config file does) also masks every record the process makes from then on."""

    def __init__(self, name: str = ""):
        super().__init__(name)
        install_record_factory()

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


class JsonFormatter(logging.Formatter):
    """One line per record: {"ts", "level", "process", "logger", "msg"[, "exc"]}."""

    def __init__(self, process: str = "", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.process_name = process

    def format(self, record: logging.LogRecord) -> str:
        mask_record(record)
        line = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "process": self.process_name or record.processName,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False)


_factory_installed = False


def install_record_factory() -> None:
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        return mask_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(masked_record)
    _factory_installed = True


def configure_logging(process: str, level: int = logging.INFO) -> None:
    """JSON lines on stderr for this process, personal data masked; handlers that
    libraries attached to their own loggers are removed so every line goes through here."""
    install_record_factory()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(process))
    handler.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and logger.handlers:
            for old in list(logger.handlers):
                logger.removeHandler(old)
            logger.propagate = True
    # SQLAlchemy's engine log would print statements; parameters are hidden anyway.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    # The twilio SDK logs every request's form at INFO: the message body and the number.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
