"""The repository's samples as the docgen unit tests plan from them: the issuing bodies, every
sample assessment scored, and Hải Phòng's 2026 dossier planned before its meeting. Read once a
session. Left out: the meeting and the plan file (tests/integration/test_documents.py plans the
whole dossier that LibreOffice renders)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache

from docgen import dossier, generate, inputs
from docgen.model import IssuingBody
from docgen.scoring import AssessmentResult
from tests.conftest import REPO

PROPOSAL = dossier.Reference(15, "TTr-CATP", dt.date(2026, 11, 27), "Công an thành phố Hải Phòng")
DECISION = dossier.Reference(1, "QĐ-UBND", dt.date(2026, 12, 5), "")


@cache
def bodies() -> dict[str, IssuingBody]:
    return inputs.load_bodies(REPO / "samples" / "bodies")


@cache
def _results() -> tuple[AssessmentResult, ...]:
    loaded = inputs.load_paths([REPO / "samples" / "assessments"])
    return tuple(inputs.score_all(loaded, inputs.load_policies(None)))


def results() -> list[AssessmentResult]:
    """Every sample assessment, scored."""
    return list(_results())


def plan_hai_phong(
    chosen: Sequence[AssessmentResult] | None = None,
    *,
    decision: dossier.Reference | None = DECISION,
) -> list[generate.Planned]:
    """UBND thành phố Hải Phòng's 2026 dossier of `chosen` (every sample by default), its
    Tờ trình known and no meeting yet (`partial`), citing `decision` once it is issued."""
    return generate.plan(
        bodies()["ubnd-hai-phong"],
        bodies()["ca-hai-phong"],
        results() if chosen is None else chosen,
        year=2026,
        proposal=PROPOSAL,
        decision=decision,
        meeting=None,
        partial=True,
    )
