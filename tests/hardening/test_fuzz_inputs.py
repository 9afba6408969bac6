"""Fuzzed assessment input (issue 7, part 2): a sample assessment mutated at random — wrong
types, missing keys, huge and negative numbers, scores above the maximum, NFD and control
characters, deep nesting — and the sample workbook with random cells overwritten (text, numbers,
formulas, dates), and random bytes named .xlsx. Whatever arrives, `inputs.check` and
`inputs.load_bytes` return the checked assessments or raise InvalidAssessment whose every
problem names where (file, unit sheet, field, cell): never another exception. Over HTTP the
workbook upload answers 201 or 4xx, never 5xx.

Bounded (200 examples per pure property, 25 over HTTP) and derandomized, so CI sees the same
cases every run. What it found (deep nesting, YAML .inf, figures past any real one escaping
as other exceptions) is fixed and kept below as plain tests."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import unicodedata
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from api.app import create_app
from api.pages.scoring_form import UNTRANSLATED, message_vi
from api.registry.lookup import InMemoryRegistry
from api.settings import Settings
from api.workflow.services import build_services
from api.workflow.users import add_user
from docgen import inputs, sheet
from docgen.errors import InvalidAssessment
from tests.api.conftest import TestClient, throwaway_roots  # noqa: F401  (a fixture)
from tests.conftest import REPO
from tests.hardening.figures import record

SAMPLE = REPO / "samples" / "assessments" / "xa-yet-kieu-2026.yaml"  # body: ubnd-hai-phong
BASE: dict[str, Any] = inputs.parse_data(SAMPLE.read_bytes(), suffix=".yaml")[0]
PURE = settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RAN: Counter[str] = Counter()


# ---- the raw assessment ----------------------------------------------------------------------

VIETNAMESE = "Xã Yết Kiêu, phường Đông Ngàn — Trường THPT Bỉm Sơn"
texts = st.one_of(
    st.text(max_size=40),
    st.just(unicodedata.normalize("NFD", VIETNAMESE)),
    st.just("Xã\x00Yết\x1bKiêu\u202e\u200b\x7f"),
    st.just("   "),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=5).map(lambda s: s * 2000),
)
numbers = st.one_of(
    st.integers(-(10**6), 10**6),
    st.sampled_from([Decimal("-0.5"), Decimal("100.5"), Decimal("1000"), 10**20, -(10**20)]),
    st.decimals(-(10**4), 10**4, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("1e-9")]),
)


def nested(depth: int) -> Any:
    value: Any = "đáy"
    for n in range(depth):
        value = [value] if n % 2 else {"k": value}
    return value


values = st.one_of(
    st.none(),
    st.booleans(),
    texts,
    numbers,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.integers(1, 40).map(nested),  # deep, though below the parsers' recursion limit
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path in a raw assessment (dicts only; lists are leaves)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))


PATHS = sorted(paths(BASE), key=repr)


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """The sample with one to six changes: a value replaced, a key dropped or added."""
    raw: Any = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 6))):
        path = draw(st.sampled_from(PATHS))
        parent = raw
        for key in path[:-1]:
            if not isinstance(parent, dict) or key not in parent:
                break
            parent = parent[key]
        else:
            if not isinstance(parent, dict):
                continue
            change = draw(st.sampled_from(["replace", "drop", "add"]))
            if change == "replace":
                parent[path[-1]] = draw(values)
            elif change == "drop":
                parent.pop(path[-1], None)
            else:
                parent[draw(st.sampled_from(["extra", "5.2", "99.9", "", "ＡＢ"]))] = draw(values)
    if draw(st.integers(0, 19)) == 0:
        raw = draw(values)  # not a mapping at all
    return raw


def plain(value: Any) -> Any:
    """`value` with Decimals as the int or float a JSON or YAML writer knows."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return (
            int(value) if value.is_finite() and value == value.to_integral_value() else float(value)
        )
    return value


def finite(value: Any) -> bool:
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    if isinstance(value, list):
        return all(finite(v) for v in value)
    return not isinstance(value, Decimal | float) or Decimal(value).is_finite()


def assert_located(exc: InvalidAssessment, origin: str) -> None:
    assert exc.problems
    for problem in exc.problems:
        assert problem.location.startswith(origin), problem
        assert problem.message.strip(), problem


@PURE
@given(raw=mutated())
def test_a_mutated_assessment_is_checked_or_refused_with_located_problems(raw: Any) -> None:
    RAN["assessment"] += 1
    try:
        loaded = inputs.check(raw, "fuzz.yaml")
    except InvalidAssessment as exc:
        assert_located(exc, "fuzz.yaml")
        if isinstance(raw, dict):
            assert all(" › " in p.location for p in exc.problems)  # and the field
        # and the Chấm điểm page has Vietnamese words for each (api/pages/scoring_form.py)
        untranslated = [p for p in exc.problems if message_vi(p.message).startswith(UNTRANSLATED)]
        assert not untranslated
    else:
        assert loaded.assessment.unit.name


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    yield
    for label, key in (
        ("assessment inputs generated", "assessment"),
        ("assessment files generated", "file"),
        ("workbooks generated", "workbook"),
        ("random .xlsx bytes generated", "bytes"),
        ("workbooks posted over HTTP", "http"),
    ):
        if RAN[key]:
            record("fuzzing", label, RAN[key])


@PURE
@given(raw=mutated(), suffix=st.sampled_from([".json", ".yaml"]), cut=st.integers(0, 40))
def test_a_mutated_file_is_loaded_or_refused_with_located_problems(
    raw: Any, suffix: str, cut: int
) -> None:
    """The same through the file reader, as JSON or YAML text, sometimes truncated."""
    data = plain(raw)
    if suffix == ".json":
        text = json.dumps(data, ensure_ascii=False)
    else:  # YAML's .inf and .nan included: refused as problems, not crashes
        text = yaml.safe_dump(data, allow_unicode=True)
    body = text.encode()
    if cut:
        body = body[: len(body) * cut // 41]  # a file cut short
    RAN["file"] += 1
    origin = f"fuzz{suffix}"
    try:
        loaded = inputs.load_bytes(body, origin)
    except InvalidAssessment as exc:
        assert_located(exc, origin)
    else:
        assert loaded


# ---- the workbook ----------------------------------------------------------------------------

WORKBOOK = sheet.new_workbook("xa_phuong", assessments=[inputs.check(BASE, "sample").assessment])
UNIT_SHEET = "Đơn vị 1"
cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=30),
    st.sampled_from(["Có", "Không", "x", " ", "=1/0", "=A1", "=SUM(C1:C999)", "#DIV/0!", "2026"]),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([1e308, -1e308, 5e-324, 0.5, 100.5]),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 1, 1)),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
)


@st.composite
def fuzzed_workbooks(draw: st.DrawFn) -> bytes:
    """The sample workbook with 1–12 cells of its unit sheet overwritten."""
    wb = load_workbook(io.BytesIO(WORKBOOK))
    ws = wb[UNIT_SHEET]
    for _ in range(draw(st.integers(1, 12))):
        row = draw(st.integers(1, ws.max_row + 2))
        col = draw(st.integers(1, 10))
        ws.cell(row, col).value = draw(cell_values)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def assert_workbook_answer(body: bytes, origin: str) -> None:
    try:
        loaded = inputs.load_bytes(body, origin)
    except InvalidAssessment as exc:
        assert_located(exc, origin)
        for problem in exc.problems:
            if problem.location != origin:  # not a whole-file problem: sheet and field
                assert problem.location.startswith(f"{origin} › {UNIT_SHEET}"), problem
    else:
        assert len(loaded) == 1


def test_the_unchanged_workbook_loads() -> None:
    (loaded,) = inputs.load_bytes(WORKBOOK, "book.xlsx")
    assert loaded.assessment.unit.name == BASE["unit"]["name"]


@PURE
@given(body=fuzzed_workbooks())
def test_a_workbook_with_random_cells_is_loaded_or_refused_by_sheet_and_cell(body: bytes) -> None:
    RAN["workbook"] += 1
    assert_workbook_answer(body, "fuzz.xlsx")


def test_a_bad_cell_is_named() -> None:
    wb = load_workbook(io.BytesIO(WORKBOOK))
    ws = wb[UNIT_SHEET]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "5.2/officers")
    ws.cell(row, 5).value = "=1/0"  # a formula: openpyxl keeps no value for it, so it is blank
    ws.cell(row + 1, 5).value = -3
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(InvalidAssessment) as caught:
        inputs.load_bytes(out.getvalue(), "fuzz.xlsx")
    assert any(f"[E{row + 1}]" in p.location for p in caught.value.problems), caught.value


@PURE
@given(
    body=st.one_of(
        st.binary(max_size=2000),
        st.binary(max_size=2000).map(lambda b: b"PK\x03\x04" + b),
        st.integers(0, len(WORKBOOK)).map(lambda n: WORKBOOK[:n]),  # truncated
        st.tuples(st.integers(0, len(WORKBOOK) - 1), st.integers(0, 255)).map(
            lambda t: WORKBOOK[: t[0]] + bytes([t[1]]) + WORKBOOK[t[0] + 1 :]  # one byte changed
        ),
    )
)
def test_random_bytes_named_xlsx_are_refused_not_a_traceback(body: bytes) -> None:
    RAN["bytes"] += 1
    assert_workbook_answer(body, "fuzz.xlsx")


# ---- over HTTP -------------------------------------------------------------------------------


@pytest.fixture
def clerk_client(tmp_path: Path, throwaway_roots: Path) -> Iterator[tuple[TestClient, str]]:  # noqa: F811
    config = Settings(data_dir=tmp_path / "data", trust_roots_dir=throwaway_roots)
    services = build_services(config)
    with services.sessions.begin() as session:
        _, token = add_user(
            session, login="chuyenvien", name="Nguyễn Thị Lan", role="clerk", body="ubnd-hai-phong"
        )
    app = create_app(config, registry=InMemoryRegistry([]), services=services)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, token


def test_fuzzed_workbooks_over_http_are_201_or_4xx(clerk_client: tuple[TestClient, str]) -> None:
    client, token = clerk_client
    statuses: Counter[int] = Counter()

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(body=st.one_of(fuzzed_workbooks(), st.binary(min_size=1, max_size=500)))
    def post(body: bytes) -> None:
        RAN["http"] += 1
        answer = client.post(
            "/api/assessments/workbook",
            files={"file": ("fuzz.xlsx", body, "application/octet-stream")},
            headers={"Authorization": f"Bearer {token}"},
        )
        statuses[answer.status_code] += 1
        assert answer.status_code == 201 or 400 <= answer.status_code < 500, answer.text

    post()
    assert sum(statuses.values()) == RAN["http"]


# ---- what the fuzzing found, fixed ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_deep_nesting_is_refused_as_a_problem(suffix: str) -> None:
    with pytest.raises(InvalidAssessment):
        inputs.load_bytes(b"[" * 100_000 + b"]" * 100_000, f"deep{suffix}")


def test_yaml_infinity_is_refused_as_a_problem() -> None:
    with pytest.raises(InvalidAssessment):
        inputs.load_bytes(b"year: .inf\n", "inf.yaml")


def test_a_figure_beyond_any_real_one_is_a_problem_not_an_overflow() -> None:
    """1e400 crimes passed the check and overflowed the reason's formatting in scoring."""
    text = (REPO / "samples" / "assessments" / "phuong-le-chan-2026-toi-pham.yaml").read_text()
    huge = text.replace("crimes_this_year: 48", "crimes_this_year: 1e400")
    assert huge != text
    with pytest.raises(InvalidAssessment) as refused:
        inputs.load_bytes(huge.encode(), "huge.yaml")
    assert any("19.4.figures.crimes_this_year" in p.location for p in refused.value.problems)


@pytest.mark.parametrize("hidden", ["\x00", "\x1b", "\u202e", "\u2066"])
def test_invisible_control_characters_are_refused_where_they_stand(hidden: str) -> None:
    """A NUL would make the document's XML invalid; a bidi override disguises a name."""
    data = yaml.safe_load(SAMPLE.read_text("utf-8"))
    data["unit"]["name"] = f"Xã Yết{hidden} Kiêu"
    with pytest.raises(InvalidAssessment) as refused:
        inputs.load_bytes(json.dumps(data, default=str).encode(), "x.json")
    assert any(
        p.location.endswith("unit.name") and "control character" in p.message
        for p in refused.value.problems
    ), refused.value.problems
