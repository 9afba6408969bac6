"""The one table of document kinds (docgen/kinds.py): every template exists, and a dossier's
plan takes each document's template, title and kind from it."""

from __future__ import annotations

from docgen.kinds import KINDS, POLICE_KINDS, TYPE_CODES, UNIT_KINDS
from tests.conftest import REPO
from tests.sample_data import plan_hai_phong


def test_every_kind_has_its_template_and_a_distinct_type_code() -> None:
    for kind in KINDS.values():
        assert (REPO / "templates" / "vi" / kind.template).is_file(), kind.template
    assert len(set(TYPE_CODES.values())) == len(KINDS)
    assert set(UNIT_KINDS) == {"ban-dang-ky", "bao-cao"}
    assert set(POLICE_KINDS) == {"bien-ban", "to-trinh"}
    assert TYPE_CODES["quyet-dinh"] == "QĐ" and TYPE_CODES["to-trinh"] == "TTr"


def test_a_dossier_plans_every_kind_from_the_table() -> None:
    planned = plan_hai_phong()
    seen = set()
    for p in planned:
        kind = KINDS[p.kind]
        seen.add(p.kind)
        assert p.template == kind.template
        assert p.title == kind.title or p.title.startswith(f"{kind.title} · ")
    assert seen == set(KINDS) - {"bien-ban"}  # no meeting yet: the Biên bản waits (partial)
