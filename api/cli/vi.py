"""The `hoso` command in Vietnamese: click's and typer's own words (usage errors, "No such
option", "Missing argument", the help's panels) and each command's help with one example.

The commands keep their English docstrings for developers; what a person reads at the
terminal is set here, in one place, when the command runs (`VietnameseGroup.main`, which
both the installed `hoso` and the tests' CliRunner call). Left out: the commands themselves
and the domain errors' words (api/cli/console.py prints those in Vietnamese already).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import typer.core
import typer.rich_utils

# click's and typer's messages (their gettext msgids, click 8, typer 0.x) in Vietnamese.
MESSAGES = {
    "Usage:": "Cách dùng:",
    "Try '{command} {option}' for help.": "Xem '{command} {option}' để biết cách dùng.",
    "Error: {message}": "Lỗi: {message}",
    "Missing argument": "Thiếu đối số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing command.": "Thiếu lệnh.",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "Did you mean {possibility}?": "Có phải ý bạn là {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải ý bạn là một trong: {possibilities}?)",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Option {name!r} requires an argument.": "Tùy chọn {name!r} cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "Tùy chọn {name!r} cần {nargs} giá trị.",
    "Got unexpected extra argument ({args})": "Thừa đối số ({args})",
    "Got unexpected extra arguments ({args})": "Thừa các đối số ({args})",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải số hợp lệ.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{value!r} is not {choice}.": "{value!r} không phải {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} không phải một trong {choices}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp.",
    "{name} {filename!r} is not readable.": "Không đọc được {name} {filename!r}.",
    "{name} {filename!r} is not writable.": "Không ghi được {name} {filename!r}.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Aborted!": "Đã dừng.",
    "Aborted.": "Đã dừng.",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai lần nhập không giống nhau.",
    "default: {default}": "mặc định: {default}",
    "required": "bắt buộc",
    "env var: {var}": "biến môi trường: {var}",
    "(dynamic)": "(tùy lúc chạy)",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Arguments": "Đối số",
}
PANELS = {
    "ARGUMENTS_PANEL_TITLE": "Đối số",
    "OPTIONS_PANEL_TITLE": "Tùy chọn",
    "COMMANDS_PANEL_TITLE": "Lệnh",
    "ERRORS_PANEL_TITLE": "Lỗi",
    "ABORTED_TEXT": "Đã dừng.",
    "RICH_HELP": "Xem [blue]'{command_path} {help_option}'[/] để biết cách dùng.",
    "DEFAULT_STRING": "[mặc định: {}]",
    "ENVVAR_STRING": "[biến môi trường: {}]",
    "REQUIRED_LONG_STRING": "[bắt buộc]",
    "DEPRECATED_STRING": "(không dùng nữa) ",
}

# Each command: what it does, in Vietnamese, and one example.
HELP: dict[str, tuple[str, str]] = {
    "score": (
        "Chấm điểm các đơn vị (tệp YAML/JSON, thư mục, phiếu .xlsx) và in tổng điểm, kết quả.",
        "hoso score samples/assessments/phuong-doan-ket-2025-tai-pham.yaml --detail",
    ),
    "generate": (
        "Tạo hồ sơ của một cơ quan trong một năm: tệp .docx và .pdf của mọi văn bản. "
        "Ngày viết 27/11/2026 hoặc 2026-11-27.",
        "hoso generate samples/assessments --year 2026 --body ubnd-hai-phong "
        "--proposal 15/TTr-CATP --proposal-date 27/11/2026 --out out/dossiers",
    ),
    "schema": ("In JSON Schema của tệp kết quả chấm điểm.", "hoso schema > schema.json"),
    "sign": (
        "Ký số dự thảo cuối cùng với tư cách người ký (bước 1 theo Nghị định 30).",
        'hoso sign quyet-dinh.pdf --p12 chu-tich.p12 --title "CHỦ TỊCH" '
        '--name "Trần Minh Khôi" --out qd-da-ky.pdf',
    ),
    "issue": (
        "Ban hành văn bản đã ký: cấp số, ngày và đóng dấu số của cơ quan (bước 2 theo Nghị "
        "định 30). Ngày viết 05/12/2026 hoặc 2026-12-05.",
        "hoso issue qd-da-ky.pdf --body ubnd-hai-phong --type QĐ --p12 ubnd-hai-phong.p12 "
        "--out qd-ban-hanh.pdf",
    ),
    "sign-attachment": (
        "Ký số phụ lục là tệp riêng, với tư cách cơ quan (Nghị định 30).",
        "hoso sign-attachment phu-luc.pdf --reference 06/QĐ-UBND --p12 ubnd-hai-phong.p12 "
        "--out phu-luc-da-ky.pdf",
    ),
    "verify": (
        "Kiểm tra mọi chữ ký số của từng tệp theo các chứng thư gốc tin cậy; mã thoát 0 chỉ khi "
        "mọi tệp hợp lệ. Thời điểm --at viết 01/06/2031 hoặc 2031-06-01T00:00:00+07:00.",
        "hoso verify qd-ban-hanh.pdf --offline",
    ),
    "roots": (
        "Liệt kê các chứng thư gốc tin cậy (HOSO_TRUST_ROOTS_DIR) với dấu vân tay SHA-256 để "
        "đối chiếu với nơi phát hành.",
        "hoso roots",
    ),
    "demo": (
        "Chấm điểm mọi đơn vị mẫu, tạo hồ sơ mẫu của Hải Phòng và đưa Quyết định qua hai bước "
        "ký và ban hành.",
        "hoso demo",
    ),
    "serve": (
        "Chạy dịch vụ: trang web (/dang-nhap), API (/docs), trang xác minh (/v/<mã>) và đường "
        "liên kết của nơi nhận (/r/<mã>).",
        "hoso serve --workers 2",
    ),
    "worker": (
        "Chạy các việc nền của hàng đợi (HOSO_QUEUE_URL), như tạo hồ sơ, với LibreOffice riêng, "
        "đến khi Ctrl+C; việc bị gián đoạn do worker khác dừng đột ngột được xếp lại trước.",
        "HOSO_QUEUE_URL=redis://127.0.0.1:6379/0 hoso worker --threads 1",
    ),
    "sheet": ("Phiếu chấm điểm (.xlsx) để nhập điểm.", "hoso sheet new phieu.xlsx --units 5"),
    "sheet new": (
        "Tạo phiếu chấm điểm để điền: mỗi đơn vị một trang tính, mỗi nội dung một dòng.",
        "hoso sheet new phieu.xlsx --set co_quan --units 5",
    ),
    "templates": ("Các mẫu văn bản .docx.", "hoso templates check"),
    "templates check": (
        "Liệt kê các biến mỗi mẫu dùng; báo lỗi nếu dữ liệu không có biến đó, hoặc nếu nhãn "
        "đã có trong biến lại được viết trước nó («Số: {{ number }}» in ra «Số: Số:»).",
        "hoso templates check",
    ),
    "pki": ("PKI thử nghiệm (chỉ chứng thư TEST).", "hoso pki init"),
    "pki init": (
        "Tạo PKI thử nghiệm: khóa, chứng thư và tệp PKCS#12 của những người ký mẫu (data/pki).",
        "hoso pki init",
    ),
    "pki serve": (
        "Chạy OCSP, CRL và dịch vụ cấp dấu thời gian của PKI thử nghiệm trên máy này. Địa chỉ "
        "và cổng lấy từ biến môi trường HOSO_PKI_URL (mặc định http://127.0.0.1:9787).",
        "HOSO_PKI_URL=http://127.0.0.1:9800 hoso pki serve",
    ),
    "archive": ("Lưu trữ lâu dài văn bản đã ban hành.", "hoso archive check"),
    "archive seal": (
        "Đưa tệp PDF đã ký lên PAdES B-LTA: dữ liệu xác minh của mọi chữ ký, rồi dấu thời gian "
        "tài liệu. Không chỉ ra tệp: niêm phong mọi văn bản đã ban hành của năm (--year, "
        "--body) chưa lưu trữ trong sổ đăng ký, có thanh tiến độ.",
        "hoso archive seal qd-ban-hanh.pdf --out qd-luu-tru.pdf",
    ),
    "archive renew": (
        "Thêm dấu thời gian tài liệu mới cho các văn bản lưu trữ có dấu thời gian sắp hết hạn. "
        "Không chỉ ra tệp: mọi văn bản lưu trữ trong sổ đăng ký đến hạn, bản gia hạn lưu bên "
        "cạnh bản trước.",
        "hoso archive renew qd-luu-tru.pdf --within-days 365 --out-dir renewed/",
    ),
    "archive check": (
        "Kiểm tra toàn vẹn kho lưu trữ: băm lại mọi tệp, kiểm tra lại chữ ký, đối chiếu với "
        "sổ đăng ký.",
        "hoso archive check",
    ),
    "archive export": (
        "Xuất văn bản đã ban hành của một năm hoặc một hồ sơ thành một tệp ZIP.",
        "hoso archive export --year 2026 --out hoso-2026.zip",
    ),
    "db": ("Cơ sở dữ liệu sổ đăng ký (SQLite hoặc PostgreSQL).", "hoso db upgrade"),
    "db upgrade": ("Đưa cơ sở dữ liệu lên lược đồ mới nhất.", "hoso db upgrade"),
    "users": ("Người dùng, vai trò, chứng thư số và chữ ký.", "hoso users add ..."),
    "users add": (
        "Thêm người dùng và in mã API của họ (chỉ hiện một lần).",
        'hoso users add vanthu.haiphong --name "Phạm Thu Hà" --role van_thu --body ubnd-hai-phong',
    ),
    "users certificate": (
        "Đăng ký chứng thư số ký cho một người dùng.",
        "hoso users certificate vanthu.haiphong seal.pem",
    ),
    "users signature": (
        "Đăng ký ảnh chữ ký của người ký (PNG màu xanh, nền trong suốt).",
        "hoso users signature chutich.haiphong chu-ky.png",
    ),
    "users password": (
        "Đặt mật khẩu trang web của người dùng: nhập hai lần, hoặc một dòng từ đầu vào chuẩn.",
        "hoso users password chuyenvien.haiphong",
    ),
    "users email": (
        "Đặt địa chỉ thư điện tử nhận thông báo của người dùng ('' để bỏ).",
        "hoso users email vanthu.haiphong vanthu@ubnd-haiphong.example.org",
    ),
    "users remote-signing": (
        "Đăng ký dịch vụ ký số từ xa (CSC API v1.0.4.0) của người ký; mã bí mật của ứng dụng "
        "được hỏi sau, không ghi trên dòng lệnh.",
        "hoso users remote-signing chutich.haiphong --url https://ky-so.example.vn "
        "--client-id hoso --credential khoi",
    ),
    "users list": (
        "Liệt kê người dùng: tên đăng nhập, họ tên, cơ quan (tên, rồi mã mà --body nhận), vai "
        "trò, tình trạng.",
        "hoso users list",
    ),
    "users role": (
        "Đổi vai trò của người dùng (các phiên đăng nhập của họ kết thúc).",
        "hoso users role chuyenvien.haiphong archivist",
    ),
    "users disable": (
        "Vô hiệu hóa người dùng: mọi phiên đăng nhập và mã truy cập của họ hết hiệu lực ngay.",
        "hoso users disable chuyenvien.haiphong",
    ),
    "users enable": (
        "Kích hoạt lại người dùng đã bị vô hiệu hóa (cấp mã mới bằng `hoso users token`).",
        "hoso users enable chuyenvien.haiphong",
    ),
    "users token": (
        "Cấp mã truy cập API mới cho người dùng: mã mới in một lần, mã cũ hết hiệu lực.",
        "hoso users token vanthu.haiphong",
    ),
    "users agents": (
        "Liệt kê các máy ký (hoso agent) đã ghép nối với dịch vụ, của một người ký hoặc của mọi "
        "người.",
        "hoso users agents chutich.haiphong",
    ),
    "users revoke-agent": (
        "Thu hồi một máy ký: mã của máy ký hết hiệu lực ngay.",
        "hoso users revoke-agent 3",
    ),
    "agent pair": (
        "Ghép nối máy này với dịch vụ một lần, bằng mã trên trang Ký số; mã của máy ký được lưu "
        "cho riêng người dùng này.",
        "hoso agent pair ABCD-EFGH --url https://hoso.example.vn",
    ),
    "backup": (
        "Ghi bản sao lưu nhất quán: cơ sở dữ liệu, kho lưu trữ, khóa bí mật, PKI thử nghiệm.",
        "hoso backup --out sao-luu-2026-12-05.tar",
    ),
    "restore": (
        "Khôi phục bản sao lưu vào thư mục dữ liệu (HOSO_DATA_DIR) và cơ sở dữ liệu còn trống.",
        "hoso restore sao-luu-2026-12-05.tar",
    ),
    "history": (
        "Lịch sử của một văn bản dạng JSON, hoặc với --out là Phiếu theo dõi có chữ ký số của "
        "cơ quan.",
        "hoso history 12 --out phieu-theo-doi.pdf --p12 ubnd-hai-phong.p12",
    ),
    "agent": (
        "Ký các dự thảo đang chờ bằng token USB của chính người ký, trên máy này: chỉ mã băm "
        "đi qua mạng, khóa không rời token.",
        'hoso agent --url https://hoso.example.vn --token-label "TEST Chủ tịch" '
        "--key ubnd-hai-phong--chu-tich",
    ),
    "audit": ("Nhật ký thao tác.", "hoso audit export --since 2026-01-01 --out nhat-ky.csv"),
    "audit export": (
        "Xuất nhật ký thao tác của một khoảng thời gian, của một cơ quan hoặc tất cả, dạng CSV "
        "hoặc JSON.",
        "hoso audit export --body ubnd-hai-phong --since 2026-01-01 --out nhat-ky.csv",
    ),
    "notify": ("Thông báo và nhắc việc qua thư điện tử.", "hoso notify send"),
    "notify send": ("Gửi các thư trong hộp thư đi chưa được gửi.", "hoso notify send"),
    "notify remind": (
        "Ghi các lời nhắc của hôm nay (mỗi văn bản, mỗi người nhiều nhất một lần một ngày), "
        "rồi gửi.",
        "hoso notify remind",
    ),
}
HELP["users"] = (HELP["users"][0], HELP["users add"][1])
ROOT_HELP = "hoso: hồ sơ xét, công nhận điển hình về phong trào toàn dân bảo vệ ANTQ."
PARAMS = {
    "help": "Hiện hướng dẫn này rồi thoát.",
    "install_completion": "Cài gợi ý lệnh cho shell đang dùng.",
    "show_completion": "In mã gợi ý lệnh của shell đang dùng, để chép hoặc tùy chỉnh.",
}


# typer's own copy of click (typer._click) writes its errors as f-strings, not through
# gettext: they are put in Vietnamese as they are shown (`_shown`).
ERRORS = [
    (re.compile(p), vi)
    for p, vi in (
        (r"No such option: (.+)", r"Không có tùy chọn: \1"),
        (r"\(Possible options: (.+)\)", r"(Có thể là: \1)"),
        (r"Missing argument(.*)\.", r"Thiếu đối số\1."),
        (r"Missing option(.*)\.", r"Thiếu tùy chọn\1."),
        (r"Missing parameter(.*)", r"Thiếu tham số\1"),
        (r"Missing command\.", "Thiếu lệnh."),
        (r"Got unexpected extra argument\(s\) \((.+)\)", r"Thừa đối số (\1)"),
        (r"Option '(.+)' does not take a value\.", r"Tùy chọn '\1' không nhận giá trị."),
        (r"Option '(.+)' requires an argument\.", r"Tùy chọn '\1' cần một giá trị."),
        (r"Option '(.+)' requires (\d+) arguments\.", r"Tùy chọn '\1' cần \2 giá trị."),
        (r"Invalid value for (.+?): ", r"Giá trị không hợp lệ cho \1: "),
        (r"Invalid value: ", "Giá trị không hợp lệ: "),
        (r"'(.*)' is not a valid (integer|float|boolean)\.?", r"'\1' không phải số hợp lệ."),
        (r"(\S+) is not in the range (.+)\.", r"\1 nằm ngoài khoảng \2."),
        (r"'(.*)' is not one of (.+)\.", r"'\1' không phải một trong \2."),
        (r"(File|Path|Directory) '(.+)' does not exist\.", r"Không có \1 '\2'."),
        (r"Could not open file '(.+)': (.+)", r"Không mở được tệp '\1': \2"),
    )
]
KINDS = {"Không có File": "Không có tệp", "Không có Path": "Không có đường dẫn"}


def vietnamese_error(message: str) -> str:
    """A usage error of click or typer in Vietnamese (one it does not know stays as it is)."""
    for pattern, vi in ERRORS:
        message = pattern.sub(vi, message)
    for english, vi in KINDS.items():
        message = message.replace(english, vi).replace("Không có Directory", "Không có thư mục")
    return message


def _vi(message: str) -> str:
    return MESSAGES.get(message, message)


def _vi_plural(singular: str, plural: str, n: int) -> str:
    return _vi(singular if n == 1 else plural)


def _shown(original: Callable[[Any], None]) -> Callable[[Any], None]:
    def show(error: Any) -> None:
        english = error.format_message()
        error.format_message = lambda: vietnamese_error(english)
        original(error)

    show.vietnamese = True  # type: ignore[attr-defined]
    return show


def install() -> None:
    """Put the Vietnamese words in click's and typer's modules (their `_`, the panel titles,
    the usage line's prefix, the errors as shown)."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.termui
    import click.types
    import click.utils
    import typer._click.formatting

    for module in (
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        click.parser,
        click.termui,
        click.types,
        click.utils,
        typer.core,
        typer.rich_utils,
    ):
        if hasattr(module, "_"):
            setattr(module, "_", _vi)  # noqa: B010 (the module's gettext, by name)
        if hasattr(module, "ngettext"):
            setattr(module, "ngettext", _vi_plural)  # noqa: B010
    for name, text in PANELS.items():
        setattr(typer.rich_utils, name, text)
    if not getattr(typer.rich_utils.rich_format_error, "vietnamese", False):
        shown = _shown(typer.rich_utils.rich_format_error)
        typer.rich_utils.rich_format_error = shown  # type: ignore[assignment]
    formatter = typer._click.formatting.HelpFormatter
    if not getattr(formatter.write_usage, "vietnamese", False):
        english_usage = formatter.write_usage

        def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
            english_usage(self, prog, args, USAGE if prefix is None else prefix)

        write_usage.vietnamese = True  # type: ignore[attr-defined]
        formatter.write_usage = write_usage  # type: ignore[method-assign]


USAGE = "Cách dùng: "


def walk(command: Any, path: Sequence[str] = ()) -> Iterator[tuple[str, Any]]:
    """Every command under `command` (typer's own click classes) with its path: 'pki serve'."""
    yield " ".join(path), command
    if isinstance(getattr(command, "commands", None), dict):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))


def translate(root: Any) -> None:
    """Every command's help in Vietnamese, with its example as the epilog."""
    for path, command in walk(root):
        if path in HELP:
            text, example = HELP[path]
            command.help = text
            command.short_help = text.split(". ")[0].rstrip(".")
            command.epilog = f"Ví dụ: {example}"
        elif not path:
            command.help = ROOT_HELP
            command.epilog = "Ví dụ: hoso score samples/assessments"
        _help_in_vietnamese(command)
        for param in command.params:
            if param.name in PARAMS and getattr(param, "help", None) is not None:
                param.help = PARAMS[param.name]
            elif getattr(param, "help", None) in PARAM_HELP:
                param.help = PARAM_HELP[param.help]


def _help_in_vietnamese(command: Any) -> None:
    """The --help option of `command` (made when asked for) says what it does in Vietnamese."""
    english = command.get_help_option
    if getattr(english, "vietnamese", False):
        return

    def get_help_option(ctx: Any) -> Any:
        option = english(ctx)
        if option is not None:
            option.help = PARAMS["help"]
        return option

    get_help_option.vietnamese = True  # type: ignore[attr-defined]
    command.get_help_option = get_help_option


class VietnameseGroup(typer.core.TyperGroup):
    """The `hoso` group: Vietnamese words and help installed before the arguments are read."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        install()
        translate(self)
        return super().main(*args, **kwargs)


# Each option's and argument's help, by its English words (the commands' own, for developers).
PARAM_HELP = {
    "the signer; default everyone": "người ký; mặc định: mọi người",
    "the agent's number": "số của máy ký (hoso users agents)",
    "the hoso service; default the one paired with": (
        "địa chỉ dịch vụ hoso; mặc định: dịch vụ đã ghép nối"
    ),
    "the label of your key on the token": "nhãn khóa của bạn trên token",
    "the pairing code the Ký số page shows": "mã ghép nối trang Ký số hiện ra",
    "this PC's name; default its host name": "tên máy này; mặc định: tên máy trong mạng",
    "on an error, print its English detail and traceback": (
        "khi có lỗi, in thêm chi tiết tiếng Anh và vết lỗi (như đặt HOSO_DEBUG=1)"
    ),
    "folder of issuing bodies (default: HOSO_BODIES_DIR)": (
        "thư mục các cơ quan ban hành (mặc định: HOSO_BODIES_DIR)"
    ),
    "issue as this registered văn thư (their certificate); default: the operator of this "
    "machine, with a certificate of a văn thư of the body once it has any": (
        "ban hành với tư cách văn thư đã đăng ký này (chứng thư của họ); mặc định: người vận "
        "hành máy này, với chứng thư của một văn thư của cơ quan khi cơ quan đã có"
    ),
    "folder of sample assessments (default: the samples' assessments)": (
        "thư mục kết quả chấm điểm mẫu (mặc định: các mẫu có sẵn)"
    ),
    "the backup file to write (.tar)": "tệp sao lưu cần ghi (.tar)",
    "a backup made by `hoso backup`": "bản sao lưu do `hoso backup` tạo",
    "the document's id": "mã số của văn bản",
    "write the sealed Phiếu theo dõi (PDF) here": "ghi Phiếu theo dõi có chữ ký số (PDF) vào đây",
    "the body's PKCS#12 key, to seal": "khóa PKCS#12 của cơ quan, để ký số",
    "label of the PKCS#11 token": "nhãn của token PKCS#11",
    "label of the key on the token": "nhãn của khóa trên token",
    "the hoso service, e.g. https://hoso.example.vn": "dịch vụ hoso, ví dụ https://hoso.example.vn",
    "the USB token's label": "nhãn của token USB",
    "the label of the signer's key on the token": "nhãn khóa của người ký trên token",
    "the token's PKCS#11 driver; default HOSO_PKCS11_MODULE": (
        "trình điều khiển PKCS#11 của token; mặc định HOSO_PKCS11_MODULE"
    ),
    "sign every waiting draft, no question": "ký mọi dự thảo đang chờ, không hỏi lại",
    "the body's PKCS#12 key: seal each Phiếu theo dõi": (
        "khóa PKCS#12 của cơ quan: ký số từng Phiếu theo dõi"
    ),
    "or the label of a PKCS#11 token": "hoặc nhãn của token PKCS#11",
    "and the label of the key on it": "và nhãn của khóa trên token đó",
    "where notifications go, e.g. ten@co-quan.example.org": (
        "nơi nhận thông báo, ví dụ ten@co-quan.example.org"
    ),
    "their e-mail address; '' removes it": "địa chỉ thư điện tử; '' để bỏ",
    "the CSC API's base URL (before /csc/v1/)": "địa chỉ gốc của CSC API (trước /csc/v1/)",
    "hoso's client id at that service": "mã ứng dụng của hoso tại dịch vụ đó",
    "the signer's credential id there": "mã chứng thư ký của người ký tại đó",
    "the file to write (.csv or .json)": "tệp cần ghi (.csv hoặc .json)",
    "only this issuing body (its id)": "chỉ cơ quan ban hành này (mã cơ quan)",
    "from (ISO 8601, inclusive; Vietnam time)": "từ (ISO 8601, tính cả; giờ Việt Nam)",
    "to (ISO 8601, exclusive)": "đến (ISO 8601, không tính)",
    "csv or json": "csv hoặc json",
    "remind the signer of a draft sent this many days ago (default: "
    "HOSO_REMIND_UNSIGNED_DAYS, 3)": (
        "nhắc người ký dự thảo đã trình từng ấy ngày (mặc định: HOSO_REMIND_UNSIGNED_DAYS, 3)"
    ),
    "remind recipients who have not acknowledged this many days after the issue (default: "
    "HOSO_REMIND_UNACKNOWLEDGED_DAYS, 5)": (
        "nhắc nơi nhận chưa xác nhận sau từng ấy ngày kể từ khi ban hành (mặc định: "
        "HOSO_REMIND_UNACKNOWLEDGED_DAYS, 5)"
    ),
    "the day to remind as of (YYYY-MM-DD; default today)": (
        "ngày tính việc nhắc (YYYY-MM-DD; mặc định hôm nay)"
    ),
    "print the reports as JSON": "in các báo cáo dạng JSON",
    "print the results as JSON": "in kết quả dạng JSON",
    "decide as of this ISO 8601 time, not now": (
        "xét tại thời điểm này (ISO 8601), không phải bây giờ"
    ),
    "validate as of this ISO 8601 time instead of now": (
        "kiểm tra tại thời điểm này thay vì bây giờ (01/06/2031 14:00 hoặc ISO 8601)"
    ),
    "folder of issuing bodies": "thư mục các cơ quan ban hành",
    "id of the issuing body (UBND), e.g. ubnd-hai-phong": (
        "mã cơ quan ban hành (UBND), ví dụ ubnd-hai-phong"
    ),
    "id of the issuing body they work for": "mã cơ quan ban hành nơi người dùng làm việc",
    "id of the issuing body, e.g. ubnd-hai-phong": "mã cơ quan ban hành, ví dụ ubnd-hai-phong",
    "ngày ban hành (default: today)": (
        "ngày ban hành, 05/12/2026 hoặc 2026-12-05 (mặc định: hôm nay)"
    ),
    "số ký hiệu of the issued QĐ the GCN cite (checked in the registry)": (
        "số ký hiệu của Quyết định đã ban hành mà Giấy chứng nhận trích dẫn (đối chiếu sổ đăng ký)"
    ),
    "its date": "ngày ban hành, 27/11/2026 hoặc 2026-11-27",
    "show every sub-item": "hiện mọi nội dung",
    "an issued (signed) PDF; none: the registry's": "tệp PDF đã ban hành (đã ký); không có: "
    "các văn bản trong sổ đăng ký",
    "without a file: the documents numbered in this year": "không có tệp: các văn bản có số "
    "của năm này",
    "without a file: only this issuing body's": "không có tệp: chỉ văn bản của cơ quan ban "
    "hành này",
    "without a file: only those numbered in this year": "không có tệp: chỉ văn bản có số của "
    "năm này",
    "the document the chair has signed": "văn bản Chủ tịch đã ký",
    "the final draft (PDF) to sign": "dự thảo cuối cùng (PDF) cần ký",
    "the phụ lục (PDF) in a file of its own": "phụ lục (PDF) là tệp riêng",
    "sealed (PAdES B-LTA) PDFs; none: the registry's": "các tệp PDF lưu trữ (PAdES B-LTA); "
    "không có: các văn bản lưu trữ trong sổ đăng ký",
    "signed PDF files": "các tệp PDF đã ký",
    "every document of this dossier, e.g. 2026/ubnd-hai-phong": (
        "mọi văn bản của hồ sơ này, ví dụ 2026/ubnd-hai-phong"
    ),
    "watermark DỰ THẢO, or a final draft to sign": "in chữ DỰ THẢO, hoặc dự thảo cuối cùng để ký",
    "check the templates of this folder instead of templates/vi": (
        "kiểm tra các mẫu trong thư mục này thay vì templates/vi"
    ),
    "overwrite an existing file": "ghi đè tệp đã có",
    "pre-fill from these assessments": "điền sẵn từ các kết quả chấm điểm này",
    "address to listen on": "địa chỉ phục vụ",
    "signature image (PNG); default: a sample drawn from the name": (
        "ảnh chữ ký (PNG); mặc định: mẫu vẽ từ họ tên"
    ),
    "label of the key (and certificate) on the token": "nhãn của khóa (và chứng thư) trên token",
    "the name to sign in with, e.g. vanthu.haiphong": "tên đăng nhập, ví dụ vanthu.haiphong",
    "the signer": "người ký",
    "the user": "người dùng",
    "YAML of the appraisal meeting the Biên bản records (samples/meetings/)": (
        "tệp YAML của cuộc họp thẩm định mà Biên bản ghi lại (samples/meetings/)"
    ),
    "full name": "họ và tên",
    "the signer's name below the signature": "họ tên người ký, dưới chữ ký",
    "use only the revocation data the files carry": "chỉ dùng dữ liệu thu hồi có trong tệp",
    "where the renewed copies go": "thư mục ghi các bản đã gia hạn",
    "output folder": "thư mục ghi kết quả",
    "where to write the ZIP": "nơi ghi tệp ZIP",
    "where to write the demo's files": "nơi ghi các tệp của bản chạy thử",
    "where to write the issued PDF": "nơi ghi tệp PDF đã ban hành",
    "where to write the sealed PDF": "nơi ghi tệp PDF lưu trữ",
    "where to write the signed PDF": "nơi ghi tệp PDF đã ký",
    "the key as a PKCS#12 file": "khóa là tệp PKCS#12 (.p12, .pfx); mật khẩu được hỏi sau",
    "their certificate (PEM or DER)": "chứng thư số của người dùng (PEM hoặc DER)",
    "their signature image: PNG, transparent background, blue": (
        "ảnh chữ ký: PNG, nền trong suốt, màu xanh"
    ),
    "assessment files (.yaml, .json, .xlsx) or folders of them": (
        "tệp kết quả chấm điểm (.yaml, .json, .xlsx) hoặc thư mục chứa chúng"
    ),
    "assessments: files, folders, workbooks": "kết quả chấm điểm: tệp, thư mục, phiếu .xlsx",
    "write PDF/A-2b": "ghi PDF/A-2b",
    "số ký hiệu of the issued Kế hoạch the others cite, e.g. 06/KH-UBND": (
        "số ký hiệu của Kế hoạch đã ban hành mà các văn bản khác trích dẫn, ví dụ 06/KH-UBND"
    ),
    "YAML file of recognition policies per criteria set (default: every criterion in full)": (
        "tệp YAML chính sách xét công nhận theo bộ tiêu chí (mặc định: đạt đủ mọi tiêu chí)"
    ),
    "port to listen on": "cổng phục vụ",
    "số ký hiệu of the Tờ trình the QĐ answers, e.g. 15/TTr-CATP": (
        "số ký hiệu của Tờ trình mà Quyết định trả lời, ví dụ 15/TTr-CATP"
    ),
    "its date, e.g. 2026-11-20": "ngày của Tờ trình, ví dụ 20/11/2026 hoặc 2026-11-20",
    "số ký hiệu of its document, e.g. 06/QĐ-UBND": "số ký hiệu của văn bản chính, ví dụ 06/QĐ-UBND",
    "clerk, signer, van_thu, archivist or admin": (
        "vai trò: clerk (chuyên viên), signer (người ký), van_thu (văn thư), archivist "
        "(lưu trữ) hoặc admin (quản trị)"
    ),
    "folder of sample assessments": "thư mục các kết quả chấm điểm mẫu",
    "criteria set: xa_phuong or co_quan": "bộ tiêu chí: xa_phuong hoặc co_quan",
    "who signs the QĐ: a signer id of the body, e.g. pho-chu-tich (KT.)": (
        "người ký Quyết định: mã người ký của cơ quan, ví dụ pho-chu-tich (KT.)"
    ),
    "the .xlsx file to write": "tệp .xlsx cần ghi",
    "the chức vụ line above the signature": "dòng chức vụ phía trên chữ ký",
    "or: label of the PKCS#11 token": "hoặc: nhãn của token PKCS#11",
    "tên loại code: QĐ, TTr, KH, …": "mã tên loại: QĐ, TTr, KH, …",
    "number of blank unit sheets": "số trang tính trống (mỗi đơn vị một trang)",
    "renew when the last timestamp's certificate expires within this many days": (
        "gia hạn khi chứng thư của dấu thời gian cuối hết hạn trong số ngày này"
    ),
    "processes serving requests (one registry)": "số tiến trình phục vụ (chung một sổ đăng ký)",
    "jobs this process runs at once": "số việc tiến trình này chạy cùng lúc",
    "every document numbered in this year, e.g. 2026": (
        "mọi văn bản được cấp số trong năm này, ví dụ 2026"
    ),
    "the year of the dossier": "năm của hồ sơ",
    "the body's seal image: a red PNG on a transparent background that records its dpi; "
    "default: <bodies>/seals/<body>.png, else a TEST sample": (
        "ảnh con dấu của cơ quan: PNG màu đỏ, nền trong suốt, có ghi độ phân giải (dpi); mặc "
        "định: <bodies>/seals/<body>.png, nếu không có thì dấu mẫu TEST"
    ),
}
