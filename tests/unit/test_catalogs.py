"""The document and service catalogs of config/: a broken file is refused with a reason."""

from pathlib import Path

import pytest

from mara.policy.catalogs import (
    Service,
    load_document_types,
    load_services,
)

# --- configuration errors ------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_document_config_rejects_menu_gaps(tmp_path):
    path = _write(
        tmp_path,
        "documents.yml",
        "document_types:\n"
        "  - {code: CC, name: Cédula, menu: 1, min_length: 6, max_length: 10, hint: h}\n"
        "  - {code: CE, name: Extranjería, menu: 3, min_length: 6, max_length: 10, hint: h}\n",
    )
    with pytest.raises(ValueError, match="menu"):
        load_document_types(path)


def test_document_config_rejects_duplicate_codes(tmp_path):
    path = _write(
        tmp_path,
        "documents.yml",
        "document_types:\n"
        "  - {code: CC, name: Cédula, menu: 1, min_length: 6, max_length: 10, hint: h}\n"
        "  - {code: cc, name: Otra, menu: 2, min_length: 6, max_length: 10, hint: h}\n",
    )
    with pytest.raises(ValueError, match="duplicate"):
        load_document_types(path)


def test_document_config_rejects_bad_charset_and_missing_hint(tmp_path):
    bad_charset = _write(
        tmp_path,
        "charset.yml",
        "document_types:\n"
        "  - {code: CC, name: C, menu: 1, charset: hex, min_length: 6, max_length: 10, hint: h}\n",
    )
    with pytest.raises(ValueError, match="charset"):
        load_document_types(bad_charset)
    no_hint = _write(
        tmp_path,
        "hint.yml",
        "document_types:\n  - {code: CC, name: C, menu: 1, min_length: 6, max_length: 10}\n",
    )
    with pytest.raises(ValueError, match="hint"):
        load_document_types(no_hint)


def test_service_config_rejects_duplicates_and_missing_label(tmp_path):
    duplicate = _write(
        tmp_path,
        "dup.yml",
        "services:\n  - {key: a, label: A, menu: 1}\n  - {key: a, label: B, menu: 2}\n",
    )
    with pytest.raises(ValueError, match="duplicate"):
        load_services(duplicate)
    no_label = _write(tmp_path, "label.yml", "services:\n  - {key: a, menu: 1}\n")
    with pytest.raises(ValueError, match="label"):
        load_services(no_label)


def test_service_config_loads_a_custom_file(tmp_path):
    path = _write(
        tmp_path,
        "services.yml",
        "services:\n  - {key: b, label: Bee, menu: 2}\n  - {key: a, label: A, menu: 1, "
        "aliases: [x]}\n",
    )
    assert load_services(path) == [Service("a", "A", 1, ("x",)), Service("b", "Bee", 2, ())]
