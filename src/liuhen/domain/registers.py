"""The registers (台帐) the political department keeps (seed 003 items 15, 16, 20, 22): staff's relatives who
practise law (任职回避: who, the relation, the law firm, since when), and departed staff (离任人员: where they
went, whether they practise law and where). Imported from CSV, all or nothing (every bad line named, like
the roster); each import replaces the register (动态管理, kept up to date).

The cross-check: a submitted record, or a case a judge enters with its counsel (逐案零报告), naming a
lawyer or a law firm that the register links to the recorder is a possible recusal (回避) — the department
head and the discipline office are told and the recorder is reminded of the rule; a record naming a
departed staff member who practises law is told to the discipline office (离任人员违规代理, seed 003
item 16).
"""

from __future__ import annotations

import csv
import enum
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from liuhen.domain import catalogue as cat
from liuhen.domain.grammar import NO_WORDS, YES_WORDS

RELATIVE_COLUMNS = ("staff_id", "name", "relation", "law_firm", "since")
DEPARTED_COLUMNS = ("name", "staff_id", "left_on", "went_to", "practises", "law_firm")
MAX_TEXT = 100


class Problem(enum.StrEnum):
    MISSING_COLUMNS = "missing_columns"  # missing, expected
    BAD_CSV = "bad_csv"
    EMPTY = "empty"  # column
    TOO_LONG = "too_long"  # column
    UNKNOWN_STAFF = "unknown_staff"  # value: no such staff id on the roster
    BAD_RELATION = "bad_relation"  # value, relations
    BAD_DATE = "bad_date"  # column, value
    BAD_YES_NO = "bad_yes_no"  # column, value
    NO_ROWS = "no_rows"


@dataclass(frozen=True)
class LineError:
    line: int  # 1 = the header; 0 = the file
    problem: Problem
    params: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(eq=False)
class LawyerRelative:
    court_id: int
    staff_pk: int
    name: str
    relation: str  # ``catalogue.LAWYER_RELATIONS`` key
    law_firm: str
    since: date | None = None
    id: int | None = None


@dataclass(eq=False)
class DepartedStaff:
    court_id: int
    name: str
    former_staff_id: str = ""
    left_on: date | None = None
    went_to: str = ""
    practises: bool = False
    law_firm: str = ""
    id: int | None = None


def _rows(text: str, columns: tuple[str, ...]) -> tuple[list[tuple[int, dict[str, str]]], list[LineError]]:
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        return [], [LineError(0, Problem.BAD_CSV, {"detail": str(exc)})]
    missing = [c for c in columns if c not in header]
    if missing:
        return [], [
            LineError(
                1, Problem.MISSING_COLUMNS, {"missing": ",".join(missing), "expected": ",".join(columns)}
            )
        ]
    reader.fieldnames = header
    try:
        rows = [
            (n, {k: (v or "").strip() for k, v in row.items() if k}) for n, row in enumerate(reader, start=2)
        ]
    except csv.Error as exc:
        return [], [LineError(0, Problem.BAD_CSV, {"detail": str(exc)})]
    rows = [(n, r) for n, r in rows if any(r.values())]
    return rows, [] if rows else [LineError(0, Problem.NO_ROWS)]


def _date(n: int, column: str, value: str, errors: list[LineError]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.replace("/", "-").replace(".", "-"))
    except ValueError:
        errors.append(LineError(n, Problem.BAD_DATE, {"column": column, "value": value}))
        return None


def _text(n: int, column: str, value: str, errors: list[LineError], *, required: bool = True) -> str:
    if required and not value:
        errors.append(LineError(n, Problem.EMPTY, {"column": column}))
    if len(value) > MAX_TEXT:
        errors.append(LineError(n, Problem.TOO_LONG, {"column": column}))
    return value[:MAX_TEXT]


def parse_relatives(
    text: str, court_id: int, staff_pks: dict[str, int]
) -> tuple[list[LawyerRelative], list[LineError]]:
    """``staff_id,name,relation,law_firm,since`` (relation: a key or a label of the seed 003 item 15 list)."""
    rows, errors = _rows(text, RELATIVE_COLUMNS)
    relations = {c.key: c.key for c in cat.LAWYER_RELATIONS} | {c.label: c.key for c in cat.LAWYER_RELATIONS}
    out: list[LawyerRelative] = []
    for n, r in rows:
        staff = staff_pks.get(r.get("staff_id", ""))
        if staff is None:
            errors.append(LineError(n, Problem.UNKNOWN_STAFF, {"value": r.get("staff_id", "")}))
        relation = relations.get(r.get("relation", ""))
        if relation is None:
            errors.append(LineError(n, Problem.BAD_RELATION, {"value": r.get("relation", "")}))
        name = _text(n, "name", r.get("name", ""), errors)
        firm = _text(n, "law_firm", r.get("law_firm", ""), errors)
        since = _date(n, "since", r.get("since", ""), errors)
        if staff is not None and relation is not None:
            out.append(LawyerRelative(court_id, staff, name, relation, firm, since))
    return (out, []) if not errors else ([], errors)


def parse_departed(text: str, court_id: int) -> tuple[list[DepartedStaff], list[LineError]]:
    """``name,staff_id,left_on,went_to,practises,law_firm`` (practises: 是/否)."""
    rows, errors = _rows(text, DEPARTED_COLUMNS)
    out: list[DepartedStaff] = []
    for n, r in rows:
        name = _text(n, "name", r.get("name", ""), errors)
        practises_text = r.get("practises", "").lower()
        if practises_text not in YES_WORDS | NO_WORDS:
            errors.append(
                LineError(n, Problem.BAD_YES_NO, {"column": "practises", "value": r.get("practises", "")})
            )
        practises = practises_text in YES_WORDS
        firm = _text(n, "law_firm", r.get("law_firm", ""), errors, required=practises)
        out.append(
            DepartedStaff(
                court_id,
                name,
                _text(n, "staff_id", r.get("staff_id", ""), errors, required=False),
                _date(n, "left_on", r.get("left_on", ""), errors),
                _text(n, "went_to", r.get("went_to", ""), errors, required=False),
                practises,
                firm,
            )
        )
    return (out, []) if not errors else ([], errors)


@dataclass(frozen=True)
class Conflict:
    """A name or firm of a register found in a record."""

    relative: LawyerRelative | None = None  # the recorder's relative: a possible recusal (回避)
    departed: DepartedStaff | None = None  # a departed staff member who practises law


def conflicts(
    texts: Iterable[str],
    recorder_pk: int,
    relatives: Iterable[LawyerRelative],
    departed: Iterable[DepartedStaff],
) -> list[Conflict]:
    """What the record's words name of the registers: the recorder's relatives (by name or law firm) and the
    departed staff who practise law (by name)."""
    words = _folded("\n".join(t for t in texts if t))
    found: list[Conflict] = []
    for r in relatives:
        name, firm = _folded(r.name), _folded(r.law_firm)
        if r.staff_pk == recorder_pk and ((len(name) >= 2 and name in words) or (firm and firm in words)):
            found.append(Conflict(relative=r))
    for d in departed:
        if d.practises and len(d.name) >= 2 and _folded(d.name) in words:
            found.append(Conflict(departed=d))
    return found


def _folded(text: str) -> str:
    """Full-width and half-width forms alike, spaces ignored: "某某（北京）律师事务所" is "某某(北京)
    律师事务所"."""
    return "".join(unicodedata.normalize("NFKC", text).split())
