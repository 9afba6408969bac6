"""What a Kế hoạch says (pure): the four parts every seed has — I. Mục đích, yêu cầu; II. Nội
dung; III. Phân công (each body, its duties and deadlines); IV. Tổ chức thực hiện — from a plan
file of the body for the year (samples/plans/<body>-<year>.yaml), with defaults taken from the
seeds' common structure: seed 000 (Hải Phòng, 06/KH-UBND) for a tỉnh or thành phố, seed 001
(phường Bỉm Sơn) for a xã or phường. Which seed has which part is tests/unit/test_plan.py's
table; docs/ke-hoach.md sets the generated plan beside seed 000.

Text holds {placeholders} filled per body: {area} ("thành phố", "phường"), {police} ("Công an
thành phố"), {ubnd} ("Ủy ban nhân dân thành phố"), {units} ("xã, phường, đặc khu, cơ quan, …"),
{localities} ("xã, phường, đặc khu") and the deadlines ({register_by}, {report_by}, …).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from docgen import vn
from docgen.errors import ConfigError
from docgen.model import IssuingBody, Text


class Division(BaseModel):
    """One body of part III and what it is charged with."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    body: Text = Field(min_length=1, description="“Công an thành phố”, “Sở Nội vụ”, …")
    duties: tuple[Text, ...] = Field(min_length=1, description="one “- …” line each")


class Deadlines(BaseModel):
    """The dates a Kế hoạch sets, as day/month of the plan's year (seed 000: units register
    before 15/01 and file before 01/12; the Công an reports its choice by 30/01 and the year's
    result to the Bộ Công an by 20/12)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    register_by: str = Field(default="15/01", pattern=r"^\d{2}/\d{2}$")
    report_by: str = Field(default="01/12", pattern=r"^\d{2}/\d{2}$")
    selection_by: str = Field(default="30/01", pattern=r"^\d{2}/\d{2}$")
    summary_by: str = Field(default="20/12", pattern=r"^\d{2}/\d{2}$")
    plans_in_month: int = Field(default=1, ge=1, le=12, description="bodies make their plans")


class PlanFile(BaseModel):
    """A body's Kế hoạch for a year: what differs from the seeds' defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    body: str
    year: int = Field(ge=2000, le=2100)
    special_zones: bool = Field(
        default=False, description="the province has đặc khu (Hải Phòng: Cát Hải, Bạch Long Vĩ)"
    )
    basis: Text = Field(
        default="Căn cứ Kế hoạch số 612/KH-BCA-V05 ngày 10/10/2025 của Bộ Công an về xây dựng "
        "xã, phường, đặc khu, cơ quan, doanh nghiệp, cơ sở giáo dục điển hình về phong trào "
        "toàn dân bảo vệ an ninh Tổ quốc (ANTQ); Quyết định số 3554/QĐ-BCA-V05 ngày 19/5/2025 "
        "của Bộ Công an ban hành Bộ Tiêu chí, Quy định trình tự, thủ tục, thẩm quyền xét, công "
        "nhận xã, phường, đặc khu, cơ quan, doanh nghiệp, cơ sở giáo dục điển hình về phong "
        "trào toàn dân bảo vệ an ninh Tổ quốc",
        description="the documents the plan carries out, without the closing clause",
    )
    targets: tuple[Text, ...] = Field(default=(), description="chỉ tiêu, one line each")
    deadlines: Deadlines = Deadlines()
    divisions: tuple[Division, ...] = Field(
        default=(), description="part III; empty: the seeds' default bodies for the level"
    )


def _d(*pairs: tuple[str, tuple[str, ...]]) -> tuple[Division, ...]:
    return tuple(Division(body=b, duties=d) for b, d in pairs)


PURPOSE = (
    "Cụ thể hóa chủ trương, đường lối của Đảng, chính sách, pháp luật của Nhà nước, Bộ Công "
    "an về công tác xây dựng phong trào toàn dân bảo vệ an ninh Tổ quốc trong tình hình mới "
    "trên địa bàn {area}.",
    "Phát huy vai trò, trách nhiệm của cấp ủy đảng, chính quyền các cấp; thủ trưởng, người "
    "đứng đầu cơ quan, doanh nghiệp, cơ sở giáo dục; vai trò, trách nhiệm của Mặt trận Tổ "
    "quốc, các ban, ngành, đoàn thể đối với công tác xây dựng phong trào toàn dân bảo vệ ANTQ; "
    "phát huy sức mạnh tổng hợp của cả hệ thống chính trị và toàn dân, góp phần bảo đảm an "
    "ninh, trật tự (ANTT) phục vụ nhiệm vụ phát triển kinh tế, xã hội của {area}.",
    "Là căn cứ để đề nghị các cấp xét khen thưởng về công tác bảo đảm an ninh, trật tự và xây "
    "dựng phong trào toàn dân bảo vệ an ninh Tổ quốc.",
    "Quá trình triển khai, thực hiện phải bảo đảm khoa học, phù hợp với thực tiễn, có trọng "
    "tâm, trọng điểm, có chỉ tiêu và phân công cụ thể, rõ trách nhiệm; từ các điển hình để tạo "
    "hiệu ứng thi đua lan tỏa phong trào toàn dân bảo vệ ANTQ, gắn với xây dựng nông thôn mới, "
    "đô thị văn minh.",
)
CONTENT = (
    "Căn cứ kết quả đạt tiêu chuẩn “An toàn về an ninh, trật tự” và kết quả đánh giá phân "
    "loại phong trào toàn dân bảo vệ ANTQ của năm liền trước để phát động, lựa chọn đăng ký "
    "xây dựng {units} điển hình về phong trào toàn dân bảo vệ ANTQ.",
    "Cấp ủy, chính quyền {localities}, thủ trưởng cơ quan, doanh nghiệp, cơ sở giáo dục đã "
    "đăng ký xây dựng điển hình ban hành chủ trương lãnh đạo, chỉ đạo công tác bảo đảm ANTT, "
    "xây dựng phong trào toàn dân bảo vệ ANTQ nhằm hoàn thành các tiêu chí ban hành theo Quyết "
    "định số 3554/QĐ-BCA-V05 ngày 19/5/2025 của Bộ Công an (gửi kèm Kế hoạch này).",
    "Tổ chức kiểm tra, đánh giá và hướng dẫn {units} hoàn thành các tiêu chí đề ra; đề xuất "
    "{ubnd} xét, công nhận đơn vị điển hình về phong trào toàn dân bảo vệ ANTQ (đối với các đơn "
    "vị đạt đủ tiêu chí trong Bộ tiêu chí).",
    "Tổ chức tuyên truyền về công tác xây dựng {units} điển hình về phong trào toàn dân bảo vệ "
    "ANTQ bằng các hình thức phù hợp (hệ thống loa truyền thanh, họp thôn, tổ dân phố, sinh "
    "hoạt trường, lớp, tọa đàm, băng rôn, khẩu hiệu) để cán bộ, công chức, viên chức, người "
    "lao động, học sinh, sinh viên và Nhân dân đồng tình, hưởng ứng, tự giác tham gia.",
    "Tham mưu {ubnd} xét, công nhận, thông báo và duy trì kết quả {units} đạt điển hình về "
    "phong trào toàn dân bảo vệ ANTQ theo Quyết định số 3554/QĐ-BCA-V05 ngày 19/5/2025 của Bộ "
    "Công an.",
    "Tổ chức biểu dương, khen thưởng các {units} đạt điển hình về phong trào toàn dân bảo vệ "
    "ANTQ hoặc duy trì, giữ vững kết quả theo quy định của Luật Thi đua, khen thưởng.",
)
PROVINCE = _d(
    (
        "{police}",
        (
            "Tháng 01 hằng năm, căn cứ kết quả xét đạt “An toàn về an ninh, trật tự” và phân "
            "loại phong trào toàn dân bảo vệ ANTQ của năm liền trước để lựa chọn {units} đăng ký "
            "xây dựng điển hình, bảo đảm đạt và vượt chỉ tiêu do Bộ Công an giao; báo cáo kết "
            "quả lựa chọn về Bộ Công an, {ubnd} trước ngày {selection_by} hằng năm.",
            "Quý IV hằng năm, hướng dẫn các đơn vị tự đánh giá, chấm điểm theo Bộ tiêu chí; tổ "
            "chức họp đánh giá, thẩm định và trình {ubnd} quyết định công nhận; tổng hợp kết quả "
            "báo cáo Bộ Công an trước ngày {summary_by} hằng năm.",
            "Chủ trì, phối hợp với các sở, ngành theo dõi, hướng dẫn, kiểm tra, đôn đốc các đơn "
            "vị, địa phương thực hiện đạt và duy trì đạt các tiêu chí.",
            "Tham mưu {ubnd} công bố, trao Quyết định và Giấy chứng nhận cho các đơn vị được công "
            "nhận vào dịp tổng kết công tác xây dựng phong trào toàn dân bảo vệ ANTQ hằng năm.",
        ),
    ),
    (
        "Văn phòng {ubnd}",
        (
            "Phối hợp với {police} tham mưu {ubnd} chỉ đạo triển khai các chủ trương, biện pháp "
            "bảo đảm ANTT và xây dựng phong trào toàn dân bảo vệ ANTQ; thẩm định hồ sơ, trình "
            "{ubnd} công nhận đơn vị điển hình; tham mưu Ban Chỉ đạo 799 {area} tổng kết.",
            "Chủ trì, phối hợp với Sở Nội vụ kiểm tra việc giải quyết thủ tục hành chính, tiếp "
            "công dân và giải quyết đơn, thư tại các {localities} đăng ký xây dựng điển hình.",
        ),
    ),
    (
        "Sở Nội vụ",
        (
            "Chủ trì theo dõi, đôn đốc các giải pháp nâng cao chỉ số cải cách hành chính, chỉ số "
            "hài lòng của người dân tại các đơn vị đăng ký xây dựng điển hình.",
            "Hướng dẫn các đơn vị triển khai Kế hoạch này; phát động phong trào thi đua yêu "
            "nước hoàn thành vượt mức các chỉ tiêu, nhiệm vụ được giao.",
        ),
    ),
    (
        "Sở Văn hóa, Thể thao và Du lịch",
        (
            "Tham mưu gắn phong trào “Toàn dân đoàn kết xây dựng đời sống văn hóa” với phong "
            "trào “Toàn dân bảo vệ an ninh Tổ quốc”; chỉ đạo các cơ quan báo chí tăng thời lượng "
            "tuyên truyền về xây dựng đơn vị điển hình, gương người tốt, việc tốt.",
        ),
    ),
    (
        "Sở Giáo dục và Đào tạo",
        (
            "Phối hợp với {police} chỉ đạo các cơ sở giáo dục xây dựng “An toàn về an ninh, trật "
            "tự”, lựa chọn cơ sở giáo dục đăng ký xây dựng điển hình và hoàn thiện hồ sơ trình "
            "{ubnd} (qua {police}) trước ngày {report_by} hằng năm.",
        ),
    ),
    (
        "Sở Nông nghiệp và Môi trường",
        (
            "Hướng dẫn các xã thực hiện các tiêu chí nông thôn mới, ưu tiên nguồn lực cho các "
            "xã được chọn xây dựng điển hình; không để xảy ra vi phạm về tài nguyên, môi trường, "
            "an toàn thực phẩm tại các đơn vị đăng ký xây dựng điển hình.",
        ),
    ),
    (
        "Thanh tra {area}",
        (
            "Hướng dẫn các đơn vị đăng ký xây dựng hoặc duy trì điển hình giải quyết đơn, thư "
            "khiếu nại, tố cáo theo thẩm quyền, không để tồn đọng, phức tạp kéo dài.",
        ),
    ),
    (
        "Sở Tài chính",
        (
            "Hướng dẫn {police}, Ủy ban nhân dân các {localities}, cơ quan, doanh nghiệp, cơ sở "
            "giáo dục lập dự toán và sử dụng kinh phí xây dựng phong trào toàn dân bảo vệ ANTQ "
            "hằng năm theo quy định.",
        ),
    ),
    (
        "Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam {area} và các tổ chức chính trị - xã hội",
        (
            "Chỉ đạo thực hiện quy chế dân chủ ở cơ sở để Nhân dân kiểm tra, giám sát, góp ý xây "
            "dựng {units} điển hình; tuyên truyền đoàn viên, hội viên tham gia tố giác tội phạm, "
            "xây dựng các mô hình “tự quản, tự phòng, tự bảo vệ”.",
        ),
    ),
    (
        "Các sở, ban, ngành khác",
        (
            "Căn cứ chức năng, nhiệm vụ, phối hợp với {police} hướng dẫn, kiểm tra, đánh giá các "
            "cơ quan, doanh nghiệp, cơ sở giáo dục thuộc quyền quản lý đăng ký xây dựng điển hình.",
        ),
    ),
    (
        "Ủy ban nhân dân, Ban Chỉ đạo 799 các {localities}",
        (
            "Phối hợp với {police} lựa chọn và đăng ký xây dựng đơn vị điển hình trước ngày "
            "{register_by} hằng năm.",
            "Chủ trì triển khai các nhiệm vụ, giải pháp hoàn thành các tiêu chí; hoàn thiện hồ "
            "sơ trình {ubnd} (qua {police}) trước ngày {report_by} hằng năm.",
            "Hằng năm lập dự toán và chi kinh phí cho công tác xây dựng phong trào toàn dân bảo "
            "vệ ANTQ trên địa bàn.",
        ),
    ),
    (
        "Các cơ quan, doanh nghiệp, cơ sở giáo dục trên địa bàn {area}",
        (
            "Phối hợp với {police} đăng ký xây dựng điển hình trước ngày {register_by} hằng năm.",
            "Triển khai các nhiệm vụ, giải pháp hoàn thành các tiêu chí; hoàn thiện hồ sơ trình "
            "{ubnd} (qua {police}) trước ngày {report_by} hằng năm.",
        ),
    ),
)
COMMUNE = _d(
    (
        "{police}",
        (
            "Là cơ quan thường trực, chủ trì tham mưu {ubnd} lựa chọn, hướng dẫn, kiểm tra, đánh "
            "giá, xét công nhận các đơn vị điển hình về phong trào toàn dân bảo vệ ANTQ.",
            "Tham mưu sơ kết, tổng kết, thi đua khen thưởng; báo cáo kết quả về {ubnd} và Công "
            "an cấp trên trước ngày {summary_by} hằng năm.",
        ),
    ),
    (
        "Văn phòng HĐND và UBND {area}",
        (
            "Phối hợp với {police} tham mưu Chủ tịch {ubnd} ban hành văn bản hướng dẫn, kiểm tra, "
            "đôn đốc và sơ kết, tổng kết thực hiện Kế hoạch.",
        ),
    ),
    (
        "Phòng Văn hóa - Xã hội",
        (
            "Chủ trì, phối hợp với {police} tham mưu công tác thi đua, khen thưởng; chỉ đạo cơ "
            "sở giáo dục được lựa chọn xây dựng điển hình; đẩy mạnh tuyên truyền trên hệ thống "
            "thông tin cơ sở.",
        ),
    ),
    (
        "Phòng Kinh tế",
        ("Chủ trì, phối hợp với {police} tham mưu {ubnd} bảo đảm kinh phí thực hiện Kế hoạch.",),
    ),
    (
        "Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam {area}",
        (
            "Phối hợp vận động cán bộ, đoàn viên, hội viên và Nhân dân tham gia xây dựng đơn vị "
            "điển hình; giám sát việc thực hiện Kế hoạch.",
        ),
    ),
    (
        "Các cơ quan, doanh nghiệp, cơ sở giáo dục trên địa bàn {area}",
        (
            "Đăng ký xây dựng điển hình với {ubnd} (qua {police}) trước ngày {register_by}; gửi "
            "báo cáo kết quả (cả công nhận và duy trì) trước ngày {report_by} hằng năm.",
        ),
    ),
)


def area(body: IssuingBody) -> str:
    """'thành phố' for UBND thành phố Hải Phòng, 'phường' for UBND phường Bỉm Sơn."""
    rest = body.name.removeprefix("Ủy ban nhân dân ").strip()
    for level in ("thành phố", "tỉnh", "phường", "xã", "đặc khu"):
        if rest.startswith(level):
            return level
    return rest


def default(body: IssuingBody, year: int) -> PlanFile:
    """The plan of a body with no plan file: the seeds' defaults for its level."""
    return PlanFile(body=body.id, year=year)


def context(body: IssuingBody, plan: PlanFile, police: IssuingBody | None) -> dict[str, Any]:
    """The Kế hoạch's title, opening, four parts and closing for the template."""
    if plan.body != body.id:
        raise ConfigError(
            f"the plan file is for '{plan.body}', not '{body.id}'",
            message_vi=f"Tệp kế hoạch là của '{plan.body}', không phải '{body.id}'",
            field="plan.body",
        )
    where = area(body)
    province = body.level == "tinh"
    localities = ("xã, phường, đặc khu" if plan.special_zones else "xã, phường") if province else ""
    units = f"{localities}, cơ quan, doanh nghiệp, cơ sở giáo dục".lstrip(", ")
    d = plan.deadlines
    values = {
        "area": where,
        "police": f"Công an {where}" if police is not None else "Công an",
        "ubnd": f"Ủy ban nhân dân {where}",
        "units": units,
        "localities": localities or where,
        "register_by": d.register_by,
        "report_by": d.report_by,
        "selection_by": d.selection_by,
        "summary_by": d.summary_by,
    }

    def fill(text: str) -> str:
        return vn.keep_codes(vn.nfc(text.format(**values)))

    divisions = plan.divisions or (PROVINCE if province else COMMUNE)
    assignments: list[dict[str, Any]] = []
    for n, division in enumerate(divisions, start=1):
        assignments.append({"text": f"{n}. {fill(division.body)}", "bold": True})
        assignments += [{"text": f"- {fill(duty)}", "bold": False} for duty in division.duties]
    numbered = [{"text": f"{n}. {fill(t)}", "bold": False} for n, t in enumerate(CONTENT, start=1)]
    if plan.targets:
        numbered.append(
            {"text": f"{len(CONTENT) + 1}. Chỉ tiêu năm {plan.year}:", "bold": False},
        )
        last = len(plan.targets) - 1
        numbered += [
            {"text": f"- {fill(t).rstrip(';.')}{'.' if n == last else ';'}", "bold": False}
            for n, t in enumerate(plan.targets)
        ]
    month = f"{d.plans_in_month:02d}" if d.plans_in_month < 3 else str(d.plans_in_month)
    return {
        "subject": f"Xây dựng {units} điển hình về phong trào toàn dân bảo vệ an ninh Tổ quốc "
        f"trên địa bàn {where} năm {plan.year}",
        "paragraphs": [
            vn.keep_codes(
                f"{plan.basis}, {values['ubnd'][:1].upper()}{values['ubnd'][1:]} ban hành Kế "
                f"hoạch xây dựng {units} điển hình về phong trào toàn dân bảo vệ an ninh Tổ quốc "
                f"trên địa bàn {where} năm {plan.year}, cụ thể như sau:"
            )
        ],
        "sections": [
            {
                "heading": "I. MỤC ĐÍCH, YÊU CẦU",
                "paragraphs": [
                    {"text": f"{n}. {fill(t)}", "bold": False}
                    for n, t in enumerate(PURPOSE, start=1)
                ],
            },
            {"heading": "II. NỘI DUNG THỰC HIỆN", "paragraphs": numbered},
            {"heading": "III. PHÂN CÔNG THỰC HIỆN", "paragraphs": assignments},
            {
                "heading": "IV. TỔ CHỨC THỰC HIỆN",
                "paragraphs": [
                    {
                        "text": fill(
                            "1. Căn cứ Kế hoạch này và chức năng, nhiệm vụ được giao, các cơ "
                            "quan, đơn vị, địa phương xây dựng kế hoạch triển khai thực hiện "
                            f"trong tháng {month}/{plan.year}; báo cáo kết quả về {{ubnd}} (qua "
                            "{police}) trước ngày {report_by} hằng năm."
                        ),
                        "bold": False,
                    },
                    {
                        "text": fill(
                            "2. Giao {police} chủ trì, theo dõi, đôn đốc, tổng hợp và báo cáo "
                            "kết quả thực hiện Kế hoạch; tham mưu sơ kết, tổng kết theo quy định."
                        ),
                        "bold": False,
                    },
                ],
            },
        ],
        "closing": [
            fill(
                "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các cơ quan, đơn vị, địa "
                "phương báo cáo {ubnd} (qua {police}) để chỉ đạo, giải quyết./."
            )
        ],
    }
