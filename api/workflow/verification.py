"""The verification use case the API and the public page share: a PDF's report from
`signing.verify` plus the registry's answer to "is this file a registered issued document?".

No HTTP here: the routes receive the upload and call `verify_upload` in a worker thread
(verification is CPU-bound and runs its own event loop).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from api.registry.lookup import RegistryLookup, RegistryRecord
from signing.verify import Report, verify_pdf


@dataclass(frozen=True)
class Verification:
    """A file's verification: its signatures, and the registered document it is, if any."""

    report: Report
    registered: RegistryRecord | None
    """The issued document whose file is bit-identical to this one, or None."""


def verify_upload(
    pdf: bytes, *, trust_roots: Sequence[Any], registry: RegistryLookup
) -> Verification:
    """Validate every signature of `pdf` and look its SHA-256 up in the registry."""
    report = verify_pdf(pdf, trust_roots)
    return Verification(report, registry.by_sha256(report.sha256))
