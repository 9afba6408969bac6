"""The kinds of document a dossier holds, in one table: the kind (its file and registry name),
its template, its title, its tên loại code (ND 30 Phụ lục III) and who signs and issues it.
`docgen.generate` plans from it, the registry's workflow numbers and routes from it.

Left out: when a dossier holds a kind (`docgen.generate.plan`), what it says (`docgen.dossier`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Signer = Literal["government", "police", "unit"]


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document of the dossier."""

    kind: str
    """Its name in paths and in the registry: "quyet-dinh"."""
    template: str
    """Its template under templates/vi/."""
    title: str
    """Its title in lists (a per-unit document adds " · <unit>")."""
    type_code: str
    """Its tên loại code in the số ký hiệu: QĐ, TTr, …"""
    signed_by: Signer
    """Who signs and issues it: the government body (UBND), the Công an that appraises and
    proposes, or the unit itself (its own số ký hiệu; kept in the dossier, never numbered here)."""


KINDS: Final[dict[str, DocumentKind]] = {
    k.kind: k
    for k in (
        DocumentKind("ke-hoach", "ke-hoach.docx", "Kế hoạch", "KH", "government"),
        DocumentKind("ban-dang-ky", "ban-dang-ky.docx", "Bản đăng ký", "BĐK", "unit"),
        DocumentKind("bao-cao", "bao-cao.docx", "Báo cáo", "BC", "unit"),
        DocumentKind("bien-ban", "bien-ban.docx", "Biên bản họp thẩm định", "BB", "police"),
        DocumentKind("to-trinh", "to-trinh.docx", "Tờ trình", "TTr", "police"),
        DocumentKind("quyet-dinh", "quyet-dinh.docx", "Quyết định công nhận", "QĐ", "government"),
        DocumentKind(
            "giay-chung-nhan", "giay-chung-nhan.docx", "Giấy chứng nhận", "GCN", "government"
        ),
        DocumentKind("thong-bao", "thong-bao.docx", "Thông báo duy trì", "TB", "government"),
    )
}

TYPE_CODES: Final[dict[str, str]] = {k.kind: k.type_code for k in KINDS.values()}
UNIT_KINDS: Final = tuple(k.kind for k in KINDS.values() if k.signed_by == "unit")
"""Documents the unit itself signs and sends (its own số ký hiệu): kept in the dossier, not
signed or numbered here."""
POLICE_KINDS: Final = tuple(k.kind for k in KINDS.values() if k.signed_by == "police")
"""Documents of the Công an that appraises the units and proposes them."""
