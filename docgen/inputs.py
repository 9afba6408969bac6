"""Reading assessments from files: YAML or JSON (one assessment or a list), folders of them, and
filled-in workbooks (see `docgen.sheet`).

The adapter between the file system and the pure scoring core. It decodes strictly as UTF-8,
refuses duplicate keys, reads every number as Decimal (never float), checks the shape with the
pydantic models and the content with `scoring.validate`, and reports every problem of every
file at once, each with its location: file, unit, sub-item, field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import TypeAdapter, ValidationError

from docgen import criteria, scoring
from docgen.errors import ConfigError, InvalidAssessment, InvalidMeeting, Problem
from docgen.meeting import Meeting
from docgen.model import DEFAULT_POLICY, Assessment, CriteriaSet, IssuingBody, Policy
from docgen.plan import PlanFile

T = TypeVar("T")
DATA_SUFFIXES = (".yaml", ".yml", ".json")
SHEET_SUFFIXES = (".xlsx",)


@dataclass(frozen=True)
class Loaded:
    """A checked assessment and where it came from ('samples/a.yaml', 'book.xlsx › Đơn vị 1')."""

    origin: str
    assessment: Assessment
    criteria: CriteriaSet
    cells: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    """A workbook's cell of each field path ('unit.issuing_body' → 'C5'); empty for YAML/JSON."""


class _Loader(yaml.SafeLoader):
    """YAML with Decimal numbers, string keys as written ('5.2' stays '5.2') and no duplicates."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:  # .inf, .nan: YAML floats that are no figure
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a number", node.start_mark
        ) from None


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = (
            key_node.value
            if isinstance(key_node, yaml.ScalarNode)
            else loader.construct_object(key_node)
        )
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key '{key}'")
        result[key] = value
    return result


def parse_data(raw: bytes, *, suffix: str) -> list[Any]:
    """The documents in a YAML or JSON file: a list of raw assessments. Raises ValueError."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Where a clerk's editor shows it: line and column, not a byte offset.
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        raise ValueError(
            f"not UTF-8 text (line {line}, column {column}: "
            f"{raw[exc.start : exc.start + 1]!r}); save the file as UTF-8"
        ) from exc
    text = text.removeprefix("\ufeff")
    try:
        if suffix == ".json":
            data = json.loads(text, parse_float=Decimal, object_pairs_hook=_json_pairs)
        else:
            data = yaml.load(text, Loader=_Loader)  # _Loader derives from SafeLoader
    except (yaml.YAMLError, ValueError) as exc:
        raise ValueError(f"cannot be read: {exc}") from exc
    except RecursionError:
        raise ValueError("cannot be read: nested too deeply") from None
    if isinstance(data, list):
        return data
    return [data]


def _where(origin: str, raw: object) -> str:
    name = ""
    if isinstance(raw, Mapping):
        unit = raw.get("unit")
        if isinstance(unit, Mapping) and isinstance(unit.get("name"), str):
            name = unit["name"]
    return f"{origin} ({name})" if name else origin


def _loc(parts: Iterable[int | str]) -> str:
    return ".".join(str(p) for p in parts) or "(whole)"


def check(raw: object, origin: str, *, cells: Mapping[str, str] | None = None) -> Loaded:
    """Turn one raw assessment into a checked one, or raise with every problem located."""
    where = _where(origin, raw)

    def located(path: str, message: str) -> Problem:
        cell = _cell_for(path, cells) if cells else None
        return Problem(f"{where} › {path}" + (f" [{cell}]" if cell else ""), message)

    try:
        assessment = Assessment.model_validate(raw)
    except ValidationError as exc:
        raise InvalidAssessment(
            [located(_loc(e["loc"]), e["msg"]) for e in exc.errors(include_url=False)]
        ) from None
    cs = criteria.for_unit_type(assessment.unit.type)
    problems = scoring.validate(assessment, cs)
    InvalidAssessment.collect(located(p.location, p.message) for p in problems)
    return Loaded(origin=where, assessment=assessment, criteria=cs, cells=dict(cells or {}))


def _cell_for(path: str, cells: Mapping[str, str]) -> str | None:
    while path:
        if path in cells:
            return cells[path]
        path = path.rpartition(".")[0]
    return None


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in DATA_SUFFIXES + SHEET_SUFFIXES
            )
        else:
            yield path


def load_paths(paths: Iterable[Path]) -> list[Loaded]:
    """Every assessment in `paths` (files or folders), or InvalidAssessment with all problems."""
    loaded: list[Loaded] = []
    problems: list[Problem] = []
    for path in _files(paths):
        try:
            raw_bytes = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(str(path), f"cannot be read: {exc.strerror}"))
            continue
        found, wrong = read_file(raw_bytes, str(path))
        loaded += found
        problems += wrong
    if not loaded and not problems:
        problems.append(Problem(", ".join(map(str, paths)) or ".", "no assessment files found"))
    InvalidAssessment.collect(problems)
    return loaded


def load_bytes(raw: bytes, origin: str) -> list[Loaded]:
    """Every assessment of one uploaded file named `origin` (.yaml, .json or .xlsx), or
    InvalidAssessment with all its problems."""
    loaded, problems = read_file(raw, origin)
    if not loaded and not problems:
        problems.append(Problem(origin, "no assessment in the file"))
    InvalidAssessment.collect(problems)
    return loaded


def read_file(raw: bytes, origin: str) -> tuple[list[Loaded], list[Problem]]:
    """The assessments of one file and the problems of the others, located by file, unit,
    item and, for a workbook, cell."""
    from docgen import sheet  # openpyxl is only loaded when a workbook is read

    suffix = Path(origin).suffix.lower()
    entries: list[tuple[str, Any, dict[str, str] | None]]
    try:
        if suffix in SHEET_SUFFIXES:
            entries = sheet.read_workbook(raw, origin)
        elif suffix in DATA_SUFFIXES:
            docs = parse_data(raw, suffix=suffix)
            entries = [
                (f"{origin}[{n}]" if len(docs) > 1 else origin, one, None)
                for n, one in enumerate(docs, start=1)
            ]
        else:
            return [], [Problem(origin, "not a .yaml, .yml, .json or .xlsx file")]
    except ValueError as exc:
        return [], [Problem(origin, str(exc))]
    loaded: list[Loaded] = []
    problems: list[Problem] = []
    for where, one, cells in entries:
        try:
            loaded.append(check(one, where, cells=cells))
        except InvalidAssessment as exc:
            problems.extend(exc.problems)
    return loaded, problems


def score_all(
    loaded: Iterable[Loaded], policies: Mapping[str, Policy]
) -> list[scoring.AssessmentResult]:
    """Score checked assessments, each with the policy of its criteria set."""
    return [scoring.score(x.assessment, x.criteria, policies[x.criteria.id]) for x in loaded]


WHAT_VI = {
    "policy file": "Tệp chính sách",
    "issuing body": "Cơ quan",
    "meeting file": "Tệp cuộc họp thẩm định",
    "plan file": "Tệp kế hoạch",
}
"""The files `_config_file` reads, as its Vietnamese messages name them."""


def _config_file(path: Path, adapter: TypeAdapter[T], what: str) -> T:
    """A YAML settings-like file checked against `adapter`; ConfigError lists every problem."""
    try:
        docs = parse_data(path.read_bytes(), suffix=path.suffix.lower())
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{what} {path}: {exc}",
            field=str(path),
            message_vi=f"{WHAT_VI.get(what, what)} {path}: {exc}",
        ) from exc
    try:
        return adapter.validate_python(docs[0] if len(docs) == 1 else docs)
    except ValidationError as exc:
        where = "; ".join(f"{_loc(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False))
        raise ConfigError(
            f"{what} {path}: {where}",
            field=str(path),
            message_vi=f"{WHAT_VI.get(what, what)} {path}: {where}",
        ) from None


def load_policies(path: Path | None) -> dict[str, Policy]:
    """The recognition policy of each criteria set: the default, or as a YAML file sets them.

    The file maps criteria set ids to policies: `{xa_phuong: {name: …, min_total: 90}, …}`;
    a set it does not name keeps the default policy.
    """
    policies = {set_id: DEFAULT_POLICY for set_id in criteria.SET_IDS}
    if path is not None:
        given = _config_file(path, TypeAdapter(dict[str, Policy]), "policy file")
        unknown = sorted(set(given) - set(criteria.SET_IDS))
        if unknown:
            raise ConfigError(
                f"policy file {path}: expected a mapping from {', '.join(criteria.SET_IDS)} "
                f"to policies, not {', '.join(unknown)}",
                field=str(path),
                message_vi=f"Tệp chính sách {path}: cần các khóa {', '.join(criteria.SET_IDS)}, "
                f"không phải {', '.join(unknown)}",
            )
        policies.update(given)
    return policies


def load_bodies(folder: Path) -> dict[str, IssuingBody]:
    """The issuing bodies of a folder of YAML files, by id (the file name)."""
    adapter = TypeAdapter(IssuingBody)
    bodies = {
        p.stem: _config_file(p, adapter, "issuing body") for p in sorted(folder.glob("*.yaml"))
    }
    for stem, body in bodies.items():
        if body.id != stem:
            raise ConfigError(
                f"issuing body {folder / stem}.yaml has id '{body.id}'",
                field="id",
                message_vi=f"Cơ quan {folder / stem}.yaml có id '{body.id}' "
                "(id phải trùng tên tệp)",
            )
    return bodies


def load_meeting(path: Path) -> Meeting:
    """The appraisal meeting a Biên bản records (samples/meetings/); InvalidMeeting names the
    file and each rule it breaks."""
    try:
        return _config_file(path, TypeAdapter(Meeting), "meeting file")
    except InvalidMeeting as exc:
        raise exc.under(
            "", where=f"meeting file {path}", where_vi=f"Tệp biên bản họp {path}"
        ) from None


def load_plan(folder: Path, body: str, year: int) -> PlanFile | None:
    """The Kế hoạch file of `body` for `year` (`<folder>/<body>-<year>.yaml`), or None: the
    plan then says what the seeds' defaults say (docgen/plan.py)."""
    path = folder / f"{body}-{year}.yaml"
    if not path.is_file():
        return None
    plan = _config_file(path, TypeAdapter(PlanFile), "plan file")
    if (plan.body, plan.year) != (body, year):
        raise ConfigError(
            f"plan file {path} is for '{plan.body}' {plan.year}, not '{body}' {year}",
            message_vi=f"Tệp kế hoạch {path} là của '{plan.body}' năm {plan.year}",
            field=str(path),
        )
    return plan
