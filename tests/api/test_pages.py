"""The public pages: /v/{code} shows the registry record in Vietnamese (or a Vietnamese 404
page), its form checks an uploaded copy with the verdict at a glance; every page is clean UTF-8
NFC text, readable on a phone, and loads nothing but its own stylesheet."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import (
    RECORD,
    AppFactory,
    TestClient,
    app_factory,
    registered,
)
from tests.conftest import SHARED, need
from tests.signing_setting import Setting

HTML = {"accept": "text/html,application/xhtml+xml"}


def page(response: httpx.Response, status: int = 200) -> str:
    """The page's text, after the checks every page must pass."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    text = response.text
    assert "\ufffd" not in text, "a replacement character"
    assert text == unicodedata.normalize("NFC", text)
    assert '<html lang="vi">' in text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    for url in re.findall(r"""(?:src|href|action)="([^"]*)\"""", text):
        assert url.startswith("/"), url  # nothing from another host, no CDN
    # No inline script: only the service's own files (busy.js: a form once sent says it is
    # busy and is sent once; link.js: a recipient's page records its opening).
    for tag in re.findall(r"<script[^>]*>", text):
        assert re.fullmatch(r'<script src="/static/(busy|link)\.js" defer>', tag), tag
    assert text.count("<script") == len(re.findall(r"<script src=", text))
    return text


def visible(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_known_code_shows_the_record_in_vietnamese(client: TestClient) -> None:
    text = visible(page(client.get(f"/v/{RECORD.code}")))
    assert "Văn bản số 06/QĐ-UBND" in text
    assert "Ngày ban hành ngày 05 tháng 12 năm 2026" in text
    assert f"Trích yếu {RECORD.subject}" in text
    assert "Cơ quan ban hành Ủy ban nhân dân thành phố Hải Phòng" in text
    assert "Tình trạng Đang có hiệu lực" in text
    assert "Kiểm tra một bản điện tử của văn bản này" in text


def test_the_upload_form_posts_the_file_to_the_record(client: TestClient) -> None:
    html = page(client.get(f"/v/{RECORD.code}"))
    assert f'action="/v/{RECORD.code}" method="post" enctype="multipart/form-data"' in html
    assert 'type="file" name="file" accept=".pdf,application/pdf" required' in html


@pytest.mark.parametrize("typed", ["abcde-fgh23", "ABCDEFGH23", " abcde fgh23 "])
def test_a_code_is_found_however_it_is_typed(client: TestClient, typed: str) -> None:
    assert "06/QĐ-UBND" in page(client.get(f"/v/{typed}"))


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("QWERT-YUIOP", ["Tình trạng Đã bị thu hồi", "Lý do Ban hành sai thẩm quyền"]),
        ("ZXCVB-NMASD", ["Tình trạng Đã được thay thế bởi 07/QĐ-UBND", "Lý do Sai tên đơn vị"]),
    ],
)
def test_revoked_and_replaced_documents_say_so(
    client: TestClient, code: str, words: list[str]
) -> None:
    text = visible(page(client.get(f"/v/{code}")))
    for expected in words:
        assert expected in text


def test_an_unknown_code_is_a_404_page_in_vietnamese(client: TestClient) -> None:
    html = page(client.get("/v/ZZZZZ-ZZZZZ"), 404)
    assert "Không tìm thấy văn bản với mã ZZZZZ-ZZZZZ" in visible(html)
    assert 'action="/xac-minh"' in html  # the file can still be checked


def test_a_hostile_code_is_shown_as_text(client: TestClient) -> None:
    html = page(client.get("/v/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"), 404)
    assert "&lt;IMGSRC=XONERROR=ALERT(1)&gt;" in html


def test_a_browser_gets_pages_for_what_does_not_exist(client: TestClient) -> None:
    text = visible(page(client.get("/v/a/b", headers=HTML), 404))
    assert "Không tìm thấy địa chỉ này" in text


def test_the_check_page_and_the_stylesheet(client: TestClient) -> None:
    html = page(client.get("/xac-minh"))
    assert "Kiểm tra văn bản điện tử" in html
    assert client.get("/", follow_redirects=False).headers["location"] == "/xac-minh"
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "@media" in css.text


def test_a_bad_upload_on_a_page_is_a_page(client: TestClient) -> None:
    r = client.post(
        f"/v/{RECORD.code}",
        files={"file": ("thu.txt", b"khong phai pdf", "text/plain")},
        headers=HTML,
    )
    text = visible(page(r, 415))
    assert "Không kiểm tra được" in text and "Tệp tải lên không phải là tệp PDF" in text


def test_an_upload_to_an_unknown_code_is_a_404_page(client: TestClient) -> None:
    r = client.post("/v/ZZZZZ-ZZZZZ", files={"file": ("a.pdf", b"%PDF-1.7", "application/pdf")})
    assert "Không tìm thấy văn bản với mã ZZZZZ-ZZZZZ" in page(r, 404)


def test_a_service_without_roots_does_not_show_its_paths(make_app: AppFactory) -> None:
    with TestClient(make_app(trust_roots_dir=None)) as client:
        r = client.post(
            "/xac-minh", files={"file": ("a.pdf", b"%PDF-1.7", "application/pdf")}, headers=HTML
        )
    text = visible(page(r, 503))
    assert "tạm thời chưa sẵn sàng" in text and "/pki" not in text


# ---- verdicts on the real documents (slow) ----------------------------------------------------


@pytest.mark.slow
def test_the_registered_file_is_valid_and_the_registered_one(
    make_pki_app: AppFactory, issued_pdf: bytes
) -> None:
    with TestClient(make_pki_app(registry=registered(issued_pdf))) as client:
        r = client.post(f"/v/{RECORD.code}", files={"file": ("qd.pdf", issued_pdf)})
    html = page(r)
    assert re.search(
        r'class="verdict green">Tệp này là văn bản số 06/QĐ-UBND ngày 05/12/2026 của Ủy ban '
        r"nhân dân thành phố Hải Phòng, hợp lệ: chữ ký số đúng và nội dung không bị thay đổi",
        html,
    )
    assert "Tệp này trùng khớp từng bit với văn bản 06/QĐ-UBND đã đăng ký" in html
    # The technical details come after the sentence, folded.
    assert html.index("<details>") > html.index("verdict green")
    assert re.search(r"<details>.*TOTAL_PASSED.*SHA-256.*</details>", html, re.S)
    text = visible(html)
    assert "Chữ ký của người có thẩm quyền Hợp lệ" in text
    assert "Chữ ký số của cơ quan, tổ chức Hợp lệ" in text
    assert "Người ký TEST Trần Minh Khôi" in text
    assert "Tình trạng thu hồi chứng thư số Chưa bị thu hồi" in text
    assert "(giờ Việt Nam)" in text


@pytest.mark.slow
def test_a_tampered_copy_is_red_and_not_the_registered_one(
    make_pki_app: AppFactory, issued_pdf: bytes, tampered_pdf: bytes
) -> None:
    with TestClient(make_pki_app(registry=registered(issued_pdf))) as client:
        r = client.post(f"/v/{RECORD.code}", files={"file": ("qd.pdf", tampered_pdf)})
    html = page(r)
    assert re.search(
        r'class="verdict red">Tệp này KHÔNG hợp lệ: nội dung đã bị thay đổi sau khi ký, nên '
        r"không còn là văn bản số 06/QĐ-UBND ngày 05/12/2026 của Ủy ban nhân dân thành phố "
        r"Hải Phòng đã được ký.",
        html,
    )
    assert "không trùng khớp với bản đã đăng ký của văn bản 06/QĐ-UBND" in html


def _seal_certificate_byte_changed(issued: bytes) -> bytes:
    """The issued file with one byte changed inside the seal's own certificate (in the
    signature's /Contents, outside the signed byte ranges): its issuer's signature breaks."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    seal = next(
        e
        for e in PdfFileReader(io.BytesIO(issued), strict=False).embedded_signatures
        if e.field_name == "con_dau"
    )
    der = seal.signer_cert.dump()
    for encoded in (der.hex().upper().encode(), der.hex().encode()):
        at = issued.find(encoded)
        if at >= 0:
            break
    assert at >= 0, "the seal's certificate is in its /Contents"
    spot = at + len(encoded) - 40  # inside the issuer's signature on the certificate
    data = bytearray(issued)
    data[spot : spot + 1] = b"0" if data[spot : spot + 1] != b"0" else b"1"
    return bytes(data)


@pytest.mark.slow
def test_a_one_byte_change_reads_as_a_changed_file_not_an_untrusted_body(
    make_pki_app: AppFactory, issued_pdf: bytes, tampered_pdf: bytes
) -> None:
    """Whether the byte is in the text or in the seal's certificate, the citizen's first
    sentence says the file was changed, never that the UBND's certificate is not trusted."""
    with TestClient(make_pki_app(registry=registered(issued_pdf))) as client:
        for changed in (tampered_pdf, _seal_certificate_byte_changed(issued_pdf)):
            assert sum(a != b for a, b in zip(changed, issued_pdf, strict=True)) == 1
            html = page(client.post(f"/v/{RECORD.code}", files={"file": ("qd.pdf", changed)}))
            first = re.search(r'<p class="verdict (\w+)">([^<]*)</p>', html)
            assert first is not None
            tone, sentence = first.groups()
            assert tone == "red", sentence
            assert sentence.startswith("Tệp này KHÔNG hợp lệ: nội dung đã bị thay đổi"), sentence
            assert "tin cậy" not in sentence and "06/QĐ-UBND" in sentence


@pytest.mark.slow
def test_an_unsigned_draft_is_amber_on_the_check_page(
    make_pki_app: AppFactory, setting: Setting
) -> None:
    with TestClient(make_pki_app()) as client:
        r = client.post("/xac-minh", files={"file": ("du-thao.pdf", setting.draft)})
    html = page(r)
    assert (
        'class="verdict amber">Tệp này không có chữ ký số nào, nên không xác minh được ai đã '
        "ban hành và nội dung có bị thay đổi hay không." in html
    )
    assert "không trùng khớp với văn bản nào trong sổ đăng ký" in html


@pytest.mark.slow
def test_the_check_page_finds_the_registered_document(
    make_pki_app: AppFactory, issued_pdf: bytes
) -> None:
    with TestClient(make_pki_app(registry=registered(issued_pdf))) as client:
        r = client.post("/xac-minh", files={"file": ("qd.pdf", issued_pdf)})
    text = visible(page(r))
    assert "Tệp này là văn bản số 06/QĐ-UBND ngày 05/12/2026 của Ủy ban nhân dân" in text
    assert "Văn bản đã đăng ký Số, ký hiệu 06/QĐ-UBND" in text


def test_a_real_government_decree_reads_plainly(tmp_path: Path) -> None:
    """A real decree of the government portal (../shared/real), with the national and Ban Cơ
    yếu roots configured: amber, one plain sentence naming who signed it and why it cannot be
    confirmed, the Ban Cơ yếu timestamp in the folded details."""
    real = SHARED / "real"
    need((real / "certs-roots").is_dir(), f"../shared/real is not beside the repository ({real})")
    pdf = real / "pdfs" / "vgca-g1_gov-portal_nd-119-2018-hoa-don-dien-tu_2018-09-13.pdf"
    with TestClient(app_factory(tmp_path, real / "certs-roots")()) as client:
        html = page(client.post("/xac-minh", files={"file": ("nd-119.pdf", pdf.read_bytes())}))
    first = re.search(r'<p class="verdict (\w+)">([^<]*)</p>', html)
    assert first is not None
    assert first.groups() == (
        "amber",
        "Chưa xác định được tệp này có phải văn bản do Văn phòng Chính phủ ký số hợp lệ hay "
        "không: chữ ký dùng thuật toán SHA-1, không còn được chấp nhận vì không còn an toàn; "
        "chứng thư số của người ký đã hết hạn ngày 14/01/2019; không có chứng thư số của tổ "
        "chức cấp Co quan chung thuc so Chinh phu (Ban Co yeu Chinh phu) trong tệp cũng như "
        "trong các chứng thư gốc tin cậy.",
    )
    details = html[html.index("<details>") :]
    assert "16:07:31 ngày 13 tháng 9 năm 2018 (giờ Việt Nam), do Máy chủ cấp dấu thời gian 01" in (
        visible(details)
    )
    assert "INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE" in details
