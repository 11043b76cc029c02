"""The Caja's facts that replies quote (phones, e-mail, address, links, day counts, type
names), each read from the one config/ file that holds it."""

from __future__ import annotations

from functools import cache

from mara.policy.channels import advisers_channel, load_channels_file, load_terms
from mara.policy.pqrs_types import catalog


@cache
def facts() -> dict[str, str]:
    """Template variables for domain.yml responses and config/ texts: {phone}, {email}…"""
    channels = {c["key"]: c for c in load_channels_file()["channels"]}
    terms = load_terms()
    internal = terms["internal"]
    legal = terms["legal_terms"]
    advisers = channels[advisers_channel()]
    office = channels[terms.get("receipt_office", "punto_fisico")]
    return {
        "phone": str(channels["telefono"]["contact"]),
        "phone_option": str(advisers.get("adviser_option", "")),
        "toll_free": str(channels["linea_gratuita"]["contact"]),
        "email": str(channels["email"]["contact"]),
        "web": str(channels["web"]["contact"]),
        "whatsapp": str(channels["whatsapp"]["contact"]),
        "office": str(office["contact"]),
        "address": str(office.get("address", "")),
        "street": str(office.get("address", "")).split(",")[0],
        "area_days": str(internal["area_days"]),
        "au_days": str(internal["au_days"]),
        "answer_days": str(internal["area_days"] + internal["au_days"]),
        "resarcimiento_days": str(terms["resarcimiento_days"]),
        "legal_general_days": str(legal["general"]),
        "legal_documents_days": str(legal["documents"]),
        "legal_consultation_days": str(legal["consultation"]),
        "type_names": type_names(),
    }


def type_names() -> str:
    """ "petición, queja, reclamo, sugerencia, felicitación o información" (catalog order)."""
    names = [t.name for t in catalog().types]
    return ", ".join(names[:-1]) + f" o {names[-1]}" if len(names) > 1 else "".join(names)


def fill(text: str, values: dict[str, str] | None = None) -> str:
    """`text` with each {fact} replaced; other {placeholders} are left for later."""
    for key, value in (values or facts()).items():
        text = text.replace("{" + key + "}", value)
    return text
