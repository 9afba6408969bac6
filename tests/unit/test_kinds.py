"""The one table of document kinds (docgen/kinds.py): every template exists, and a dossier's
plan takes each document's template, title and kind from it."""

from __future__ import annotations

import datetime as dt

from docgen import dossier, generate, inputs
from docgen.kinds import KINDS, POLICE_KINDS, TYPE_CODES, UNIT_KINDS
from tests.conftest import REPO


def test_every_kind_has_its_template_and_a_distinct_type_code() -> None:
    for kind in KINDS.values():
        assert (REPO / "templates" / "vi" / kind.template).is_file(), kind.template
    assert len(set(TYPE_CODES.values())) == len(KINDS)
    assert set(UNIT_KINDS) == {"ban-dang-ky", "bao-cao"}
    assert set(POLICE_KINDS) == {"bien-ban", "to-trinh"}
    assert TYPE_CODES["quyet-dinh"] == "QĐ" and TYPE_CODES["to-trinh"] == "TTr"


def test_a_dossier_plans_every_kind_from_the_table() -> None:
    bodies = inputs.load_bodies(REPO / "samples" / "bodies")
    results = inputs.score_all(
        inputs.load_paths([REPO / "samples" / "assessments"]), inputs.load_policies(None)
    )
    issued = dossier.Reference(1, "QĐ-UBND", dt.date(2026, 12, 5), "")
    proposal = dossier.Reference(15, "TTr-CATP", dt.date(2026, 11, 27), "Công an")
    planned = generate.plan(
        bodies["ubnd-hai-phong"],
        bodies["ca-hai-phong"],
        results,
        year=2026,
        proposal=proposal,
        decision=issued,
        meeting=None,
        partial=True,
    )
    seen = set()
    for p in planned:
        kind = KINDS[p.kind]
        seen.add(p.kind)
        assert p.template == kind.template
        assert p.title == kind.title or p.title.startswith(f"{kind.title} · ")
    assert seen == set(KINDS) - {"bien-ban"}  # no meeting yet: the Biên bản waits (partial)
