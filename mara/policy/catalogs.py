"""Document types and the Caja's services from config/documents.yml and config/services.yml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mara.policy import CONFIG_DIR

DEFAULT_DOCUMENTS_PATH = CONFIG_DIR / "documents.yml"


DEFAULT_SERVICES_PATH = CONFIG_DIR / "services.yml"


@dataclass(frozen=True)
class DocumentType:
    code: str
    name: str
    menu: int
    aliases: tuple[str, ...]
    hint: str
    charset: str  # "digits" or "alphanumeric"
    min_length: int
    max_length: int
    require_digit: bool = False


@dataclass(frozen=True)
class Service:
    key: str
    label: str
    menu: int
    aliases: tuple[str, ...]
    info: str = ""


def _require(raw: dict[str, Any], field: str, where: str) -> Any:
    value = raw.get(field)
    if value is None or value == "":
        raise ValueError(f"{where}: missing {field!r}")
    return value


def _menu(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{where}: 'menu' must be a positive integer")
    return value


def _check_menus(menus: list[int], path: Path) -> None:
    if sorted(menus) != list(range(1, len(menus) + 1)):
        raise ValueError(f"{path}: menu positions must be 1..{len(menus)} without gaps")


def _parse_document_type(raw: dict[str, Any]) -> DocumentType:
    code = str(_require(raw, "code", f"document type {raw!r}")).strip().upper()
    where = f"document type {code!r}"
    charset = str(raw.get("charset") or "digits")
    if charset not in ("digits", "alphanumeric"):
        raise ValueError(f"{where}: unknown charset {charset!r}")
    min_length = int(_require(raw, "min_length", where))
    max_length = int(_require(raw, "max_length", where))
    if not 1 <= min_length <= max_length:
        raise ValueError(f"{where}: min_length must be between 1 and max_length")
    return DocumentType(
        code=code,
        name=str(_require(raw, "name", where)),
        menu=_menu(raw.get("menu"), where),
        aliases=tuple(str(alias) for alias in raw.get("aliases") or ()),
        hint=" ".join(str(_require(raw, "hint", where)).split()),
        charset=charset,
        min_length=min_length,
        max_length=max_length,
        require_digit=bool(raw.get("require_digit", False)),
    )


@cache
def _load_document_types_cached(path: Path) -> tuple[DocumentType, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    types = tuple(_parse_document_type(raw) for raw in data.get("document_types") or ())
    codes = [doc.code for doc in types]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{path}: duplicate document type code")
    _check_menus([doc.menu for doc in types], path)
    return tuple(sorted(types, key=lambda doc: doc.menu))


def load_document_types(path: Path | None = None) -> list[DocumentType]:
    """Document types from config/documents.yml (or `path`), in menu order, parsed once."""
    return list(_load_document_types_cached(Path(path or DEFAULT_DOCUMENTS_PATH).resolve()))


def document_types() -> list[DocumentType]:
    """The configured document types in menu order."""
    return load_document_types()


def _parse_service(raw: dict[str, Any]) -> Service:
    key = str(_require(raw, "key", f"service {raw!r}")).strip()
    where = f"service {key!r}"
    return Service(
        key=key,
        label=str(_require(raw, "label", where)),
        menu=_menu(raw.get("menu"), where),
        aliases=tuple(str(alias) for alias in raw.get("aliases") or ()),
        info=" ".join(str(raw.get("info") or "").split()),
    )


@cache
def _load_services_cached(path: Path) -> tuple[Service, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = tuple(_parse_service(raw) for raw in data.get("services") or ())
    keys = [service.key for service in items]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{path}: duplicate service key")
    _check_menus([service.menu for service in items], path)
    return tuple(sorted(items, key=lambda service: service.menu))


def load_services(path: Path | None = None) -> list[Service]:
    """Services from config/services.yml (or `path`), in menu order, parsed once."""
    return list(_load_services_cached(Path(path or DEFAULT_SERVICES_PATH).resolve()))


def services() -> list[Service]:
    """The configured services in menu order."""
    return load_services()
