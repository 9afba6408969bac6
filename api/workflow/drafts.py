"""The rules of generating a dossier and of signing a draft, written once for every door: the
registry's use cases (api/workflow/documents.py: `generate_dossier`, `sign`) and the CLI's,
which work on files (`hoso generate` writing a folder, `hoso sign` signing a file), call these.

What is here: which bodies make a dossier, planning and building its files, and what a draft
must pass before a key is opened (its form is the template's, ND 30; the signature block of
its signer is on it) and the signature itself. What is not: who may act (the use cases check
the actor first, api/workflow/users.py), the registry's rows, and the doors' printing.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen import vn
from docgen.errors import NotFound
from docgen.model import IssuingBody

if TYPE_CHECKING:  # the heavy libraries load when a door generates or signs, not at start
    from PIL import Image
    from pyhanko.sign import signers
    from pyhanko_certvalidator import ValidationContext

    from docgen import dossier, generate
    from docgen.plan import PlanFile
    from docgen.scoring import AssessmentResult
    from signing.sign import Placement


def dossier_bodies(known: Mapping[str, IssuingBody], body: str) -> tuple[IssuingBody, IssuingBody]:
    """The issuing body `body` (the UBND) and its Công an, who make a dossier together; refused
    with the field `body` named when either is unknown."""
    government = known.get(body)
    if government is None:
        raise NotFound(
            f"unknown issuing body '{body}' (known: {', '.join(known)})",
            message_vi=f"Không có cơ quan ban hành '{body}'",
            field="body",
        )
    police = next((b for b in known.values() if b.government == body), None)
    if police is None:
        raise NotFound(
            f"no Công an body names '{body}' as its government",
            message_vi=f"Không có Công an nào thuộc cơ quan ban hành '{body}'",
            field="body",
        )
    return government, police


def plan_dossier(
    government: IssuingBody,
    police: IssuingBody,
    results: Sequence[AssessmentResult],
    *,
    year: int,
    proposal: dossier.Reference | None = None,
    decision: dossier.Reference | None = None,
    meeting: dossier.Meeting | None = None,
    signer: str | None = None,
    plan_ref: dossier.Reference | None = None,
    plan_file: PlanFile | None = None,
    partial: bool = False,
    only: str | None = None,
) -> list[generate.Planned]:
    """The documents of `government`'s dossier for `year` from its scored `results` (or `only`
    the one of that name), in the dossier's order; `partial` leaves out what cannot be made
    yet (the registry's dossier grows as the process goes)."""
    from docgen import generate

    planned = generate.plan(
        government,
        police,
        results,
        year=year,
        proposal=proposal,
        decision=decision,
        meeting=meeting,
        plan_file=plan_file,
        partial=partial,
        signer=signer,
        plan_ref=plan_ref,
    )
    if only is not None:
        planned = [p for p in planned if p.path.endswith(f"/{only}")]
    return planned


def build_dossier_files(
    planned: Sequence[generate.Planned],
    *,
    converter: Any,
    out: Path,
    verify_url: Callable[[str], str],
    watermark: bool = False,
    pdfa: bool = False,
    issued_at: dt.datetime | None = None,
    progress: Callable[[generate.Planned], None] | None = None,
) -> list[Path]:
    """Build every planned document into `out` as .docx and .pdf, with its QR code of
    `verify_url`, converted on `converter` (a docgen.convert.ConverterPool); all or none
    (docgen.generate.build). The PDFs carry `issued_at` as their creation time (default now;
    a job pins it, so a rerun makes the same bytes). Returns the files written."""
    from docgen import generate

    return generate.build(
        planned,
        converter,
        out,
        pdfa=pdfa,
        draft=watermark,
        issued_at=issued_at or dt.datetime.now(dt.UTC),
        verify_url=verify_url,
        progress=progress or (lambda _: None),
    )


def generate_dossier_files(
    government: IssuingBody,
    police: IssuingBody,
    results: Sequence[AssessmentResult],
    *,
    year: int,
    converter: Any,
    out: Path,
    verify_url: Callable[[str], str],
    watermark: bool = False,
    pdfa: bool = False,
    **plan: Any,
) -> list[generate.Planned]:
    """`plan_dossier` (its keywords in `plan`), then `build_dossier_files` into `out`: what
    every door generates. Returns what was planned."""
    planned = plan_dossier(government, police, results, year=year, **plan)
    build_dossier_files(
        planned,
        converter=converter,
        out=out,
        verify_url=verify_url,
        watermark=watermark,
        pdfa=pdfa,
    )
    return planned


def check_draft(pdf: bytes, *, title: str, name: str) -> Placement:
    """What a draft must pass before its signer's key is opened, for every way of signing:
    its form holds only the template's blanks (signing.nd30.check_draft_form) and it has the
    signature block of `title` above `name`. The draft is parsed once for both. Returns where
    the signature goes."""
    from pypdf import PdfReader

    from signing import nd30
    from signing import sign as signing

    reader = PdfReader(io.BytesIO(pdf))
    nd30.check_draft_form(reader)
    return signing.find_placement(reader, title=vn.nfc(title), name=vn.nfc(name))


def sign_file(
    pdf: bytes,
    signer: signers.Signer,
    *,
    placement: Placement,
    signature: Image.Image,
    tsa_url: str,
    context: ValidationContext,
) -> bytes:
    """The signed draft (ND 30 step 1): the signer's PAdES signature at `placement` (as
    `check_draft` found it) showing `signature`; the certificate is refused when it cannot
    sign now (expired, revoked, untrusted: signing.sign.check_certificate)."""
    from signing import sign as signing

    return signing.sign_draft(
        pdf,
        signer,
        signature=signature,
        placement=placement,
        tsa_url=tsa_url,
        context=context,
    )
