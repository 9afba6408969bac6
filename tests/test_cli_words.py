"""The `hoso` command speaks Vietnamese to the person at the terminal: each command's --help
(with one example), a wrong option, a missing argument and a missing file get Vietnamese
words and, for the errors, exit code 2. Dates are taken as ND 30 writes them (27/11/2026)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import typer
from typer.testing import CliRunner

from api.cli.main import app
from api.cli.vi import HELP, PARAM_HELP, translate, vietnamese_error, walk
from docgen import vn

COMMANDS = [path for path, _ in walk(typer.main.get_command(app)) if path]
ENGLISH = re.compile(r"\b(Usage|Options|Commands|Arguments|Error|Show this message|Try)\b")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"}, prog_name="hoso")
    return result.exit_code, result.output


def test_every_command_has_vietnamese_help() -> None:
    assert len(COMMANDS) >= 25 and set(COMMANDS) <= set(HELP), set(COMMANDS) - set(HELP)
    root = typer.main.get_command(app)
    translate(root)  # as VietnameseGroup.main does when the command runs
    english = {
        f"{path} {param.name}: {param.help}"
        for path, command in walk(root)
        for param in command.params
        if getattr(param, "help", None)
        and param.help not in PARAM_HELP.values()
        and param.name not in ("help", "install_completion", "show_completion")
    }
    assert not english, sorted(english)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_is_vietnamese_with_one_example(command: str) -> None:
    code, text = run(*command.split(), "--help")
    assert code == 0, text
    assert "Cách dùng: hoso " + command in text
    assert f"Ví dụ: {HELP[command][1]}"[:40] in re.sub(r"\s+", " ", text)
    assert "Hiện hướng dẫn này rồi thoát." in text
    assert not ENGLISH.search(text), ENGLISH.search(text)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_wrong_option_is_refused_in_vietnamese(command: str) -> None:
    code, text = run(*command.split(), "--khong-co-tuy-chon-nay")
    assert code == 2, text
    assert "Không có tùy chọn: --khong-co-tuy-chon-nay" in text
    assert "Xem 'hoso" in text and not ENGLISH.search(text), text


def test_a_missing_argument_and_an_unknown_command() -> None:
    code, text = run("score")
    assert code == 2 and "Thiếu đối số 'paths'." in text, text
    code, text = run("cham")
    assert code == 2 and "Không có lệnh 'cham'." in text, text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("score", "khong-co.yaml"), "khong-co.yaml: không có tệp này"),
        (("sign", "khong-co.pdf", "--title", "CHỦ TỊCH", "--name", "A", "--out", "x.pdf"), "lỗi: "),
        (("archive", "seal", "khong-co.pdf", "--out", "x.pdf"), "lỗi: không có tệp khong-co.pdf"),
        (("users", "signature", "ai-do", "khong-co.png"), "lỗi: "),
    ],
)
def test_a_missing_file_is_named_in_vietnamese(
    args: tuple[str, ...], words: str, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(str(tmp_path))
    monkeypatch.setenv("HOSO_DATA_DIR", str(tmp_path))
    code, text = run(*args)
    assert code == 2, text
    assert words in text and "Traceback" not in text, text


def test_usage_errors_of_click_read_in_vietnamese() -> None:
    assert vietnamese_error("Missing option '--out'.") == "Thiếu tùy chọn '--out'."
    assert (
        vietnamese_error("Invalid value for '--units': '0' is not in the range 1<=x<=200.")
        == "Giá trị không hợp lệ cho '--units': '0' nằm ngoài khoảng 1<=x<=200."
    )


def test_dates_as_nd30_writes_them_and_as_iso() -> None:
    assert vn.parse_date("27/11/2026") == vn.parse_date("2026-11-27") == dt.date(2026, 11, 27)
    assert vn.parse_date("5/1/2026") == dt.date(2026, 1, 5)
    assert vn.parse_moment("01/06/2031 14:30") == dt.datetime(2031, 6, 1, 14, 30)
    for bad in ("31/02/2026", "2026/11/27", "ngày 27"):
        with pytest.raises(ValueError):
            vn.parse_date(bad)
