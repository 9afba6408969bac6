"""Writes the .docx templates of templates/vi/ in the house style (python-docx).

The .docx files are the templates: a clerk may open and edit them in Word or LibreOffice, and
hoso renders whatever is there. This script is how the house style was made and how it is
remade after a layout change (`python templates/build.py`); it writes every Jinja tag inside one
run, which docxtpl needs. Layout per ND 30/2020 Phụ lục I (shared/research/nd30-format.md):
A4, margins 20/20/30/15 mm, Times New Roman, the two-column header, page numbers from page 2.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

OUT = Path(__file__).resolve().parent / "vi"
FONT = "Times New Roman"
CENTER, LEFT, RIGHT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)
Container = object  # a Document, a cell or a header: anything with add_paragraph


def _document(*, landscape: bool = False) -> Document:
    doc = Document()
    # Fixed core properties, so that the same data gives the same bytes.
    props = doc.core_properties
    props.author = props.last_modified_by = "hoso"
    props.title = props.subject = props.keywords = props.comments = ""
    props.revision = 1
    import datetime as dt

    props.created = props.modified = dt.datetime(2026, 1, 1)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    pf = style.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing = 1.0
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.top_margin = section.bottom_margin = Mm(20)
        section.left_margin = section.right_margin = Mm(20)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)
        section.left_margin, section.right_margin = Mm(30), Mm(15)
        section.header_distance = Mm(10)
        # ND 30: page numbers centred in the top margin, hidden on page 1.
        section.different_first_page_header_footer = True
        p = section.header.paragraphs[0]
        p.alignment = CENTER
        _field(p, "PAGE", size=13)
    return doc


def _field(p: Paragraph, code: str, *, size: int) -> None:
    run = p.add_run()
    run.font.size = Pt(size)
    for kind, text in (
        ("begin", None),
        (None, f" {code} "),
        ("separate", None),
        (None, "2"),
        ("end", None),
    ):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText" if text and text.strip() == code else "w:t")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _style(p: Paragraph, name: str, **form: object) -> None:
    """Give `p` the paragraph style `name` (made on first use with `form`: size, bold, italic,
    align, indent, after, before, keep), so that a clerk editing in Word keeps the house style:
    the Quốc hiệu, the Căn cứ, an Điều or the Nơi nhận are named, not Normal with direct
    formatting. A style used twice must be asked for with the same form."""
    styles = p.part.styles
    made: dict[str, dict[str, object]] = _STYLES
    if name in made:
        assert made[name] == form, (name, made[name], form)
    else:
        made[name] = form
    if name not in [s.name for s in styles]:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.quick_style = True
        style.font.size = Pt(form["size"])  # type: ignore[arg-type]
        style.font.bold, style.font.italic = form["bold"], form["italic"]
        pf = style.paragraph_format
        pf.alignment = form["align"]
        pf.space_after, pf.space_before = Pt(form["after"]), Pt(form["before"])  # type: ignore[arg-type]
        if form["indent"]:
            pf.first_line_indent = Cm(1.27)
        if form["keep"]:
            pf.keep_with_next = True
    p.style = styles[name]


_STYLES: dict[str, dict[str, object]] = {}


def para(
    where: Container,
    text: str = "",
    *,
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    align: object = JUSTIFY,
    indent: bool = False,
    after: float = 0,
    before: float = 0,
    keep: bool = False,
    style: str | None = None,
) -> Paragraph:
    p = where.add_paragraph()  # type: ignore[attr-defined]
    if style is not None:
        form = dict(size=size, bold=bold, italic=italic, align=align, indent=indent)
        _style(p, style, **form, after=after, before=before, keep=keep)
        p.add_run(text) if text else p.add_run()
        return p
    p.alignment = align
    pf = p.paragraph_format
    pf.space_after, pf.space_before = Pt(after), Pt(before)
    if indent:
        pf.first_line_indent = Cm(1.27)
    if keep:
        pf.keep_with_next = True
    if text:
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.bold, run.italic = bold, italic
    else:
        p.add_run().font.size = Pt(size)
    return p


def add(
    p: Paragraph, text: str, *, size: float = 14, bold: bool = False, italic: bool = False
) -> None:
    run = p.add_run(text)
    run.font.size = Pt(size)
    run.bold, run.italic = bold, italic


def rule(where: Container, width_mm: float, cell_mm: float) -> None:
    """A short solid line centred in a cell: ND 30's rule under the body and the Tiêu ngữ."""
    p = where.add_paragraph()  # type: ignore[attr-defined]
    side = Mm(max(0.0, (cell_mm - width_mm) / 2))
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = side
    p.paragraph_format.space_after = Pt(3)
    p.add_run().font.size = Pt(2)
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    borders.append(bottom)
    ppr.append(borders)


def _no_borders(table: Table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def grid(where: Document, widths_mm: list[float], *, borders: bool = False, rows: int = 1) -> Table:
    table = where.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    if borders:
        table.style = where.styles["Table Grid"]
    else:
        _no_borders(table)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    for col, width in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(width)
    return table


def _clear(cell: _Cell) -> _Cell:
    cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    return cell


# The header's columns (ô 1–4) with no cell padding: the right one just holds the Quốc hiệu
# (88 mm at 12 pt bold), the left one "CÔNG AN THÀNH PHỐ HẢI PHÒNG" on one line (71 mm); a
# longer name breaks only where `vn.header_name` lets it. The footer keeps its own split.
LEFT_MM, RIGHT_MM = 75.0, 90.0
SIGN_LEFT_MM, SIGN_RIGHT_MM = 80.0, 85.0


def _no_padding(table: Table) -> None:
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    table._tbl.tblPr.append(margins)


def header(doc: Document, *, date: bool = True) -> None:
    """Ô 1–4: issuing body and số on the left; Quốc hiệu, Tiêu ngữ and date on the right."""
    table = grid(doc, [LEFT_MM, RIGHT_MM])
    _no_padding(table)
    left, right = (_clear(c) for c in table.rows[0].cells)
    para(left, "{%p if body.parent_header %}", size=12, align=CENTER)
    para(left, "{{ body.parent_header }}", size=12, align=CENTER, style="Cơ quan chủ quản")
    para(left, "{%p endif %}", size=12, align=CENTER)
    para(left, "{{ body.header_name }}", size=12, bold=True, align=CENTER, style="Cơ quan ban hành")
    rule(left, 22, LEFT_MM)
    # "Số: " is part of `number`: on a draft's page the field left for the số draws it.
    para(left, "{{ number }}", size=13, align=CENTER, style="Số, ký hiệu")
    para(
        right,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        size=12,
        bold=True,
        align=CENTER,
        style="Quốc hiệu",
    )
    para(right, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True, align=CENTER, style="Tiêu ngữ")
    rule(right, 60, RIGHT_MM)
    if date:
        para(right, "{{ place_date }}", size=13, italic=True, align=CENTER, style="Địa danh, ngày")
    para(doc, "", size=8)


def title(doc: Document, kind: str, subject: str = "{{ subject }}") -> None:
    """Ô 5a: tên loại and trích yếu, bold, centred, with a short rule."""
    para(doc, kind, size=14, bold=True, align=CENTER, before=12, style="Tên loại")
    para(doc, subject, size=14, bold=True, align=CENTER, style="Trích yếu")
    rule(doc, 40, 165)


def body_loop(doc: Document, var: str = "paragraphs") -> None:
    para(doc, f"{{%p for text in {var} %}}", align=JUSTIFY)
    para(doc, "{{ text }}", indent=True, after=6, style="Nội dung")
    para(doc, "{%p endfor %}")


def recipients(where: Container) -> None:
    """Ô 9b: "Nơi nhận:" 12 pt bold italic, then one 11 pt line per recipient."""
    para(
        where, "Nơi nhận:", size=12, bold=True, italic=True, align=LEFT, keep=True, style="Nơi nhận"
    )
    para(where, "{%p for line in recipients %}", size=11, align=LEFT)
    para(where, "{{ line }}", size=11, align=LEFT, style="Nơi nhận, danh sách")
    para(where, "{%p endfor %}", size=11, align=LEFT)


def signer_block(where: Container, *, blank_lines: int = 4) -> None:
    """Ô 7: quyền hạn (TM./KT., when there is one), chức vụ, room to sign, the name."""
    para(where, "{%p if signer.authority %}", size=14, align=CENTER)
    para(
        where,
        "{{ signer.authority }}",
        size=14,
        bold=True,
        align=CENTER,
        style="Quyền hạn, chức vụ",
    )
    para(where, "{%p endif %}", size=14, align=CENTER)
    para(where, "{%p if signer.deputy is defined and signer.deputy %}", size=14, align=CENTER)
    para(where, "{{ signer.deputy }}", size=14, bold=True, align=CENTER, style="Quyền hạn, chức vụ")
    para(where, "{%p endif %}", size=14, align=CENTER)
    para(where, "{{ signer.title }}", size=14, bold=True, align=CENTER, style="Quyền hạn, chức vụ")
    for _ in range(blank_lines):
        para(where, "", size=14, align=CENTER)
    para(where, "{{ signer.name }}", size=14, bold=True, align=CENTER, style="Họ tên người ký")


def signature(doc: Document, *, closing: str | None = None) -> None:
    """Nơi nhận on the left, the signature block on the right; with `closing` (a list of the
    context), its paragraphs in a first row across both columns, kept on the signature's page:
    a signature never stands alone on the last page."""
    para(doc, "", size=6)
    table = grid(doc, [SIGN_LEFT_MM, SIGN_RIGHT_MM], rows=2 if closing else 1)
    if closing:
        first = table.rows[0]
        _whole(first)
        cell = _clear(first.cells[0].merge(first.cells[1]))
        for extra in list(cell.paragraphs):
            extra._p.getparent().remove(extra._p)
        para(cell, f"{{%p for text in {closing} %}}")
        para(cell, "{{ text }}", indent=True, after=6, keep=True)
        para(cell, "{%p endfor %}", keep=True)
        para(cell, "", size=6, keep=True)
    row = table.rows[-1]
    _whole(row)
    left, right = (_clear(c) for c in row.cells)
    recipients(left)
    signer_block(right)


def _cell_text(
    cell: _Cell, text: str, *, bold: bool = False, size: float = 12, align: object = CENTER
) -> None:
    p = cell.paragraphs[0]
    p.alignment = align
    add(p, text, size=size, bold=bold)


def _whole(row: object) -> None:
    """A row that never splits across pages (w:cantSplit)."""
    trpr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _repeat_header(row: object) -> None:
    trpr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def list_table(doc: Document, columns: list[tuple[str, float, str, object]], loop: str) -> None:
    """A bordered table whose header repeats on every page and whose row repeats per item."""
    table = grid(doc, [w for _, w, _, _ in columns], borders=True, rows=4)
    head, start, body, end = table.rows
    _repeat_header(head)
    _whole(body)
    for cell, (name, _, _, _) in zip(head.cells, columns, strict=True):
        _cell_text(cell, name, bold=True)
    _cell_text(start.cells[0], f"{{%tr for row in {loop} %}}")
    for cell, (_, _, expr, align) in zip(body.cells, columns, strict=True):
        _cell_text(cell, expr, align=align)
    _cell_text(end.cells[0], "{%tr endfor %}")


UNIT_COLUMNS = [
    ("STT", 12, "{{ row.index }}", CENTER),
    ("Tên đơn vị", 75, "{{ row.name }}", LEFT),
    ("Loại", 30, "{{ row.kind }}", CENTER),
    ("Điểm", 18, "{{ row.points }}", CENTER),
    ("Ghi chú", 30, "{{ row.note }}", CENTER),
]


# --- the documents ------------------------------------------------------------------------------


def decision() -> Document:
    """Quyết định công nhận (mẫu 1.2), with the list of units as its phụ lục (mẫu 1.3)."""
    doc = _document()
    header(doc)
    title(doc, "QUYẾT ĐỊNH")
    para(
        doc, "{{ authority_line }}", bold=True, align=CENTER, before=6, after=6, style="Thẩm quyền"
    )
    para(doc, "{%p for line in bases %}")
    para(doc, "{{ line }}", italic=True, indent=True, after=6, style="Căn cứ")
    para(doc, "{%p endfor %}")
    para(doc, "{{ proposal }}", italic=True, indent=True, after=6, style="Căn cứ")
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER, before=6, after=6)
    para(doc, "{%p for article in articles %}")
    p = para(doc, "", indent=True, after=6, style="Điều")
    add(p, "{{ article.label }}", bold=True)
    add(p, " {{ article.text }}")
    para(doc, "{%p endfor %}")
    signature(doc)
    # ND 30 Phụ lục I, III.1: a phụ lục restarts the page numbers, hidden on its first page.
    annex = doc.add_section(WD_SECTION.NEW_PAGE)
    annex.different_first_page_header_footer = True
    restart = OxmlElement("w:pgNumType")
    restart.set(qn("w:start"), "1")
    annex._sectPr.append(restart)
    para(doc, "Phụ lục", bold=True, align=CENTER)
    para(doc, "{{ annex_title }}", size=14, bold=True, align=CENTER)
    para(doc, "{{ annex_reference }}", size=14, italic=True, align=CENTER, after=12)
    list_table(doc, UNIT_COLUMNS, "units")
    return doc


def certificate() -> Document:
    """Giấy chứng nhận: landscape, decorative double border, cites the QĐ."""
    doc = _document(landscape=True)
    sect = doc.sections[0]._sectPr
    borders = OxmlElement("w:pgBorders")
    borders.set(qn("w:offsetFrom"), "page")
    for edge in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{edge}")
        for k, v in (
            ("w:val", "thinThickThinMediumGap"),
            ("w:sz", "24"),
            ("w:space", "24"),
            ("w:color", "B22222"),
        ):
            el.set(qn(k), v)
        borders.append(el)
    sect.append(borders)
    para(doc, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=13, bold=True, align=CENTER, before=6)
    para(doc, "Độc lập - Tự do - Hạnh phúc", size=14, bold=True, align=CENTER)
    rule(doc, 62, 257)
    para(doc, "{{ authority_line }}", size=14, bold=True, align=CENTER, before=12)
    para(doc, "GIẤY CHỨNG NHẬN", size=30, bold=True, align=CENTER, before=12, after=6)
    para(doc, "{{ unit_name }}", size=22, bold=True, align=CENTER, after=6)
    para(doc, "{{ achievement }}", size=16, bold=True, align=CENTER, after=6)
    para(doc, "{{ decision_reference }}", size=14, italic=True, align=CENTER, after=12)
    table = grid(doc, [110, 147])
    left, right = (_clear(c) for c in table.rows[0].cells)
    para(left, "")
    para(left, "")
    para(left, "{{ number }}", size=13, align=CENTER)
    para(right, "{{ place_date }}", size=14, italic=True, align=CENTER)
    signer_block(right, blank_lines=3)
    return doc


def tabled(
    kind: str, columns: list[tuple[str, float, str, object]], loop: str, *, addressed: bool
) -> Document:
    """Mẫu 1.4 with a table: header, title, Kính gửi (sent upward), text, table, signature."""
    doc = _document()
    header(doc)
    title(doc, kind)
    if addressed:
        p = para(doc, "", align=CENTER, after=6)
        add(p, "Kính gửi: {{ addressee }}")
    body_loop(doc)
    list_table(doc, columns, loop)
    para(doc, "", size=6)
    body_loop(doc, "closing")
    signature(doc)
    return doc


def report() -> Document:
    """Báo cáo kết quả thực hiện Bộ tiêu chí và kết quả tự chấm điểm, with the full table."""
    columns = [
        ("TT", 14, "{{r row.label }}", CENTER),
        ("Nội dung", 70, "{{r row.text }}", JUSTIFY),
        ("Điểm chuẩn", 16, "{{r row.max }}", CENTER),
        ("Tự chấm", 16, "{{r row.self }}", CENTER),
        ("Thẩm định", 17, "{{r row.appraised }}", CENTER),
        ("Minh chứng", 32, "{{ row.evidence }}", LEFT),
    ]
    return tabled("BÁO CÁO", columns, "rows", addressed=True)


def proposal() -> Document:
    """Tờ trình đề nghị xét, công nhận (mẫu 1.4 with Kính gửi)."""
    columns = [
        ("STT", 12, "{{ row.index }}", CENTER),
        ("Tên đơn vị", 80, "{{ row.name }}", LEFT),
        ("Loại", 35, "{{ row.kind }}", CENTER),
        ("Điểm", 38, "{{ row.points }}", CENTER),
    ]
    return tabled("TỜ TRÌNH", columns, "units", addressed=True)


def plan_document() -> Document:
    """Kế hoạch (mẫu 1.4): sections with Roman-numbered bold headings."""
    doc = _document()
    header(doc)
    title(doc, "KẾ HOẠCH")
    body_loop(doc)
    para(doc, "{%p for section in sections %}")
    para(doc, "{{ section.heading }}", bold=True, indent=True, after=6, keep=True, style="Phần")
    para(doc, "{%p for item in section.paragraphs %}")
    para(doc, "{%p if item.bold %}")
    para(doc, "{{ item.text }}", bold=True, indent=True, after=6, keep=True, style="Mục")
    para(doc, "{%p else %}")
    para(doc, "{{ item.text }}", indent=True, after=6, style="Nội dung")
    para(doc, "{%p endif %}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")
    signature(doc, closing="closing")
    return doc


def registration() -> Document:
    """Bản đăng ký xây dựng đơn vị điển hình, filed by the unit early in the year."""
    doc = _document()
    header(doc)
    title(doc, "BẢN ĐĂNG KÝ")
    p = para(doc, "", align=CENTER, after=6)
    add(p, "Kính gửi: {{ addressee }}")
    body_loop(doc)
    signature(doc)
    return doc


def minutes() -> Document:
    """Biên bản họp đánh giá, thẩm định (mẫu 1.9): no date line; thư ký left, chủ tọa right."""
    doc = _document()
    header(doc, date=False)
    title(doc, "BIÊN BẢN")
    para(doc, "{%p for field in fields %}")
    p = para(doc, "", indent=True, after=6)
    add(p, "{{ field.label }}", bold=True)
    add(p, " {{ field.text }}")
    para(doc, "{%p endfor %}")
    list_table(
        doc,
        [
            ("STT", 12, "{{ row.index }}", CENTER),
            ("Tên đơn vị", 62, "{{ row.name }}", LEFT),
            ("Tự chấm", 20, "{{ row.self }}", CENTER),
            ("Thẩm định", 22, "{{ row.appraised }}", CENTER),
            ("Biểu quyết", 49, "{{ row.vote }}", CENTER),
        ],
        "units",
    )
    para(doc, "", size=6)
    body_loop(doc, "closing")
    para(doc, "", size=6)
    table = grid(doc, [82.5, 82.5])
    left, right = (_clear(c) for c in table.rows[0].cells)
    for cell, role in ((left, "secretary"), (right, "chair")):
        para(cell, f"{{{{ {role}.title }}}}", bold=True, align=CENTER)
        for _ in range(4):
            para(cell, "", align=CENTER)
        para(cell, f"{{{{ {role}.name }}}}", bold=True, align=CENTER)
    para(doc, "", size=12)
    recipients(doc)
    return doc


def notice() -> Document:
    """Thông báo of the units keeping the title in a maintenance year (seeds/003 §III.1.2)."""
    return tabled("THÔNG BÁO", UNIT_COLUMNS, "units", addressed=False)


TEMPLATES: dict[str, Callable[[], Document]] = {
    "ke-hoach.docx": plan_document,
    "ban-dang-ky.docx": registration,
    "bien-ban.docx": minutes,
    "thong-bao.docx": notice,
    "quyet-dinh.docx": decision,
    "giay-chung-nhan.docx": certificate,
    "bao-cao.docx": report,
    "to-trinh.docx": proposal,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in TEMPLATES.items():
        build().save(OUT / name)
        print(OUT / name)


if __name__ == "__main__":
    main()
