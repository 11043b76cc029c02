"""Staff-facing Spanish lives in config/staff_texts.yml: every key the services raise or word
is there, and no Spanish sentence is left in a service's Python."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mara.policy.staff_texts import staff_text, staff_texts
from mara.services import accounts, desk, intake

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted((ROOT / "mara" / "services").rglob("*.py"))
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


def used_keys() -> set[str]:
    keys = set()
    for path in SERVICES:
        source = path.read_text(encoding="utf-8")
        for pattern, template in KEY_PATTERNS:
            keys |= {template.format(k) for k in pattern.findall(source)}
    return keys


def test_every_key_the_services_use_is_worded_in_config():
    keys = used_keys()
    assert {"desk.not_found", "accounts.short_password", "actions.close", "intake.email"} <= keys
    texts = staff_texts()
    missing = {k for k in keys if k.partition(".")[2] not in texts.get(k.partition(".")[0], {})}
    assert missing == set()


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


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_spanish_sentence_is_left_in_a_service(path):
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
