"""config/areas.yml: one file for the staff desk (areas, services) and the SLA sweep (mailboxes)."""

import pytest

from mara.policy.areas import area_directory, area_for_service, load_areas
from mara.policy.catalogs import services


def test_every_service_has_one_area_and_every_area_a_mailbox():
    areas = load_areas()
    for service in services():
        assert area_for_service(service.key), service.key
    assert all(a.email and "@" in a.email for a in areas)


def test_the_sweep_reads_au_and_area_mailboxes_from_the_same_file():
    directory = area_directory()
    assert directory.email_of("au") == "atencionalusuario@comfenalcoquindio.co"
    assert directory.email_of("area:credito") == "credito@comfenalcoquindio.co"
    assert directory.email_of("area:no-existe") is None
    assert directory.name_of("credito") == "Crédito social"


def test_au_email_is_required(tmp_path):
    path = tmp_path / "areas.yml"
    path.write_text("areas:\n  - {slug: a, name: A, services: [x]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="au_email"):
        area_directory(path)
