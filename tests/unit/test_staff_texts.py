"""Staff-facing Spanish lives in config/staff_texts.yml: every key the services, the web layer
and the adapters raise or word is there, and no Spanish sentence is left in their Python."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mara.adapters import report_pdf
from mara.domain.sla import FollowUpKind, SlaState
from mara.domain.tickets import REVIEW_CRITERIA, IntakeChannel, TicketStatus
from mara.policy.staff_texts import staff_text, staff_texts
from mara.services import accounts, answering, desk, intake
from mara.web.staff import labels

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted((ROOT / "mara" / "services").rglob("*.py"))
GUARDED = SERVICES + sorted(
    path for folder in ("web", "adapters") for path in (ROOT / "mara" / folder).rglob("*.py")
)
# A literal key handed to the loader or to an error class that words it.
KEY_PATTERNS = [
    (re.compile(r'staff_text\(\s*"([a-z_]+\.[a-z_]+)"'), "{}"),
    (re.compile(r'(?:NotFound|Forbidden|StaleTicket|InvalidAction)\(\s*"([a-z_.]+)"'), "{}"),
    (re.compile(r'AccountError\(\s*"([a-z_]+)"'), "accounts.{}"),
    (
        re.compile(r'(?:_require_status|_au_ticket)\([^"]*?(?:\w+|\([^)]*\)), "([a-z_]+)"\)'),
        "actions.{}",
    ),
    (re.compile(r'errors\.append\("([a-z_]+)"\)'), "intake.{}"),
]
SPANISH = re.compile(r"[áéíóúñ¿¡«]")
KEY = re.compile(r"[a-z_]+\.[a-z_]+")


def literal_keys(tree: ast.AST) -> set[str]:
    """Keys written whole: each string handed to staff_text (either branch of an `if`
    included), and any `section.name` string of a section the file names (key tables such
    as report_pdf.COLUMNS)."""
    keys = set()
    # The pieces of an f-string key (f"intake.{field}") are not keys.
    formatted = {id(c) for f in ast.walk(tree) if isinstance(f, ast.JoinedStr) for c in ast.walk(f)}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "staff_text"
            and node.args
        ):
            keys |= {
                c.value
                for c in ast.walk(node.args[0])
                if isinstance(c, ast.Constant)
                and isinstance(c.value, str)
                and id(c) not in formatted
            }
        elif (
            isinstance(node, ast.Constant)
            and id(node) not in formatted
            and isinstance(node.value, str)
            and KEY.fullmatch(node.value)
            and node.value.partition(".")[0] in staff_texts()
        ):
            keys.add(node.value)
    return keys


def used_keys() -> set[str]:
    keys = set()
    for path in GUARDED:
        source = path.read_text(encoding="utf-8")
        for pattern, template in KEY_PATTERNS:
            keys |= {template.format(k) for k in pattern.findall(source)}
        keys |= literal_keys(ast.parse(source))
    return keys


def test_every_key_the_code_uses_is_worded_in_config():
    keys = used_keys()
    assert {"desk.not_found", "accounts.short_password", "actions.close", "intake.email"} <= keys
    # The web layer's and the adapters' keys are found too: flashes, both branches of a
    # conditional, the PDF's key tables.
    assert {
        "auth.login_failed",
        "admin.user_deactivated",
        "followups.alert_already_resolved",
        "desk_done.answer_held",
        "report_pdf.col_response_rate",
        "report_pdf.by_channel",
        "training.live_matrix",
    } <= keys
    texts = staff_texts()
    missing = {k for k in keys if k.partition(".")[2] not in texts.get(k.partition(".")[0], {})}
    assert missing == set()


def test_a_misspelt_key_would_be_caught():
    tree = ast.parse(
        'flash(staff_text("auth.logged_out" if x else "auth.loged_out"))\n'
        'COLUMNS = ("report_pdf.col_nps", "report_pdf.col_npss")'
    )
    keys = literal_keys(tree)
    texts = staff_texts()
    assert {k for k in keys if k.partition(".")[2] not in texts[k.partition(".")[0]]} == {
        "auth.loged_out",
        "report_pdf.col_npss",
    }


def string_constants(path: Path) -> list[tuple[int, str]]:
    """The file's string literals that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


@pytest.mark.parametrize("path", GUARDED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_spanish_sentence_is_left_in_the_python(path):
    spanish = [(line, text) for line, text in string_constants(path) if SPANISH.search(text)]
    assert spanish == []


def test_errors_carry_their_key_and_the_configured_words():
    error = desk.InvalidAction("desk.wrong_status", action=staff_text("actions.close"), status="x")
    assert error.code == "desk.wrong_status"
    assert (
        str(error) == "No se puede cerrar (primero envía la respuesta) una solicitud en estado «x»."
    )
    # Data filled in is not read as a template again.
    assert "{0}" in str(accounts.AccountError("unknown_area", area="{0}"))
    form = intake.IntakeError(["email", "consent"])
    assert form.errors["email"] == "Correo no válido." and "Ley 1581" in form.errors["consent"]


def test_every_stored_code_has_its_label():
    """The pages word each code the domain stores; a new status or kind needs its words."""
    assert set(labels.STATUS) == {s.value for s in TicketStatus}
    assert set(labels.CHANNEL) == {c.value for c in IntakeChannel}
    assert set(labels.SLA) == {s.value for s in SlaState}
    assert set(labels.CRITERIA) == set(REVIEW_CRITERIA)
    assert set(labels.ROLE) == set(accounts.ROLES)
    assert {k.value for k in FollowUpKind} <= set(labels.FOLLOWUP)
    assert {answering.HELD, answering.AWAITING_REPLY} <= set(labels.DELIVERY)
    # The list page offers statuses in the file's order (new ones first).
    assert list(labels.STATUS)[:2] == ["recibido", "en_revision"]
    assert labels.STATUS["en_revision"] == "En revisión"


def test_a_held_answer_stores_english_and_the_page_words_it():
    assert not SPANISH.search(answering.TEMPLATE_SID_MISSING)
    assert (
        labels.delivery_error(answering.TEMPLATE_SID_MISSING)
        == "TWILIO_TEMPLATE_ANSWER_SID sin configurar"
    )
    # Twilio's own codes and messages, and nothing, are shown as they came.
    assert labels.delivery_error("63016 outside the window") == "63016 outside the window"
    assert labels.delivery_error(None) == ""


def test_the_report_pages_are_titled_from_config():
    assert [staff_text(k) for k in report_pdf.COLUMNS][:2] == ["Grupo", "Recibidas"]
    assert staff_text(report_pdf.CHART_PAGES["by_area"]) == "Por área"
    assert (
        staff_text("report_pdf.title", quarter="2026-T1", start="2026-01-01", end="2026-03-31")
        == "Informe trimestral de PQRS y satisfacción — 2026-T1 (2026-01-01 a 2026-03-31)"
    )
