"""The staff roster file (docs/architecture.md external interface).

Header ``staff_id,name,department,position,role,phone,oversees``; extra columns allowed and kept. An optional
``court`` column names the court (its code) each person belongs to; empty or absent means the
deployment's own court, so single-court files keep working. An optional ``wecom_userid`` column gives the
person's account in the court's WeCom (企业微信); a file without the column leaves the accounts as they are.
Validation is all or nothing: every bad row is reported with its line number and a typed problem (which
``texts/roster.py`` puts into words), and a file with any bad row imports nothing.
"""

from __future__ import annotations

import csv
import enum
import io
import re
import unicodedata
from dataclasses import dataclass, field

from liuhen.domain.grammar import LIST_SEPARATORS
from liuhen.domain.model import Role

REQUIRED_COLUMNS = ("staff_id", "name", "department", "position", "role", "phone", "oversees")
OVERSEER_ROLES = frozenset({Role.VICE_PRESIDENT.value, Role.PRESIDENT.value})
_STAFF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")
_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
_MAX_TEXT = 64
MAX_STAFF_ID = 32
WECOM_USERID = "wecom_userid"
# WeCom's member UserID: 1-64 bytes of letters, digits and "_-@.", beginning with a letter or a digit
_WECOM_USERID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-@.]{0,63}$")


@dataclass(frozen=True)
class RosterRow:
    line: int
    staff_id: str
    name: str
    department: str
    position: str
    role: str
    phone: str
    oversees: tuple[str, ...]
    extra: dict[str, str] = field(default_factory=dict)
    court: str = ""  # the court's code; "" = the deployment's court
    wecom_userid: str | None = None  # None: the file has no such column (the account stays as it is)


class RosterProblem(enum.StrEnum):
    """What is wrong with a roster file or one of its lines; the details are the error's ``params``."""

    BAD_STAFF_ID = "bad_staff_id"  # max
    EMPTY = "empty"  # column
    TOO_LONG = "too_long"  # column, max
    BAD_ROLE = "bad_role"  # value, roles
    BAD_PHONE = "bad_phone"  # value
    OVERSEES_NOT_LEADER = "oversees_not_leader"
    MISSING_COLUMNS = "missing_columns"  # missing, expected
    BAD_CSV = "bad_csv"  # detail
    TOO_MANY_CELLS = "too_many_cells"
    DUPLICATE_ID = "duplicate_id"  # staff_id, first
    NO_PEOPLE = "no_people"
    DOUBLY_OVERSEEN = "doubly_overseen"  # department, first, first_name
    CONTROL_CHARACTERS = "control_characters"  # column
    BAD_WECOM_USERID = "bad_wecom_userid"  # value
    DUPLICATE_WECOM_USERID = "duplicate_wecom_userid"  # value, first
    WECOM_USERID_TAKEN = "wecom_userid_taken"  # value: another court's person holds it


@dataclass(frozen=True)
class RosterError:
    line: int  # 1 = the header line; 0 = the file as a whole
    problem: RosterProblem
    params: dict[str, str | int] = field(default_factory=dict, hash=False)


class GapKind(enum.StrEnum):
    """Not errors, but the sign-off chain (seed 004 §13) breaks if they are left as they are."""

    NO_DISCIPLINE = "no_discipline"
    NO_HEAD = "no_head"  # of ``department``
    NO_OVERSEER = "no_overseer"  # of ``department``
    OVERSEEN_EMPTY = "overseen_empty"  # ``department`` is overseen but has nobody in the roster yet


@dataclass(frozen=True)
class RosterWarning:
    kind: GapKind
    court: str = ""  # the court's code; "" = the deployment's court
    department: str = ""


@dataclass(frozen=True)
class Roster:
    rows: tuple[RosterRow, ...]
    errors: tuple[RosterError, ...]
    warnings: tuple[RosterWarning, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def departments(self) -> list[str]:
        """Departments in order of first appearance, including those only named in `oversees`."""
        seen: dict[str, None] = {}
        for row in self.rows:
            seen.setdefault(row.department, None)
        for row in self.rows:
            for dept in row.oversees:
                seen.setdefault(dept, None)
        return list(seen)

    def overseer_of(self) -> dict[str, str]:
        """department name → staff_id of the vice-president in charge (分管院领导)."""
        return {dept: row.staff_id for row in self.rows for dept in row.oversees}

    def courts(self) -> list[str]:
        """The court codes of the rows ("" = the deployment's court), in order of first appearance."""
        return list(dict.fromkeys(row.court for row in self.rows))

    def of_court(self, code: str) -> Roster:
        """The rows of one court, as a roster of its own."""
        return Roster(tuple(r for r in self.rows if r.court == code), (), self.warnings)


def _split_oversees(value: str) -> tuple[str, ...]:
    parts = re.split(LIST_SEPARATORS, value)
    return tuple(p.strip() for p in parts if p.strip())


def staff_key(staff_id: str) -> str:
    """One person, however the id is written: ``J001 `` and ``j001`` are the same staff member."""
    return staff_id.strip().casefold()


def _control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value)


def _check_row(raw: dict[str, str], line: int) -> tuple[RosterRow | None, list[RosterError]]:
    errors: list[RosterError] = []
    for column, value in raw.items():
        if isinstance(value, str) and column and _control_characters(value.strip()):
            errors.append(RosterError(line, RosterProblem.CONTROL_CHARACTERS, {"column": column}))
    get = {k: (raw.get(k) or "").strip() for k in REQUIRED_COLUMNS}
    if not _STAFF_ID.match(get["staff_id"]):
        errors.append(RosterError(line, RosterProblem.BAD_STAFF_ID, {"max": MAX_STAFF_ID}))
    for column in ("name", "department", "position"):
        if not get[column]:
            errors.append(RosterError(line, RosterProblem.EMPTY, {"column": column}))
        elif len(get[column]) > _MAX_TEXT:
            errors.append(RosterError(line, RosterProblem.TOO_LONG, {"column": column, "max": _MAX_TEXT}))
    role = get["role"].lower()
    valid_roles = [r.value for r in Role]
    if role not in valid_roles:
        errors.append(
            RosterError(line, RosterProblem.BAD_ROLE, {"value": get["role"], "roles": ", ".join(valid_roles)})
        )
    if get["phone"] and not _PHONE.match(get["phone"]):
        errors.append(RosterError(line, RosterProblem.BAD_PHONE, {"value": get["phone"]}))
    wecom = (raw.get(WECOM_USERID) or "").strip() if WECOM_USERID in raw else None
    if wecom and not _WECOM_USERID.match(wecom):
        errors.append(RosterError(line, RosterProblem.BAD_WECOM_USERID, {"value": wecom}))
    oversees = _split_oversees(get["oversees"])
    if oversees and role not in OVERSEER_ROLES:
        errors.append(RosterError(line, RosterProblem.OVERSEES_NOT_LEADER))
    if errors:
        return None, errors
    extra = {
        k: (v or "").strip()
        for k, v in raw.items()
        if k and k not in (*REQUIRED_COLUMNS, "court", WECOM_USERID)
    }
    row = RosterRow(
        line=line,
        staff_id=get["staff_id"],
        name=get["name"],
        department=get["department"],
        position=get["position"],
        role=role,
        phone=get["phone"],
        oversees=oversees,
        extra=extra,
        court=(raw.get("court") or "").strip(),
        wecom_userid=wecom,
    )
    return row, []


def parse_roster(text: str) -> Roster:
    """Parse and validate a roster CSV text (UTF-8, optional BOM)."""
    text = text.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        params: dict[str, str | int] = {"missing": ", ".join(missing), "expected": ",".join(REQUIRED_COLUMNS)}
        return Roster((), (RosterError(1, RosterProblem.MISSING_COLUMNS, params),))
    reader.fieldnames = header
    rows: list[RosterRow] = []
    errors: list[RosterError] = []
    seen_ids: dict[tuple[str, str], int] = {}
    seen_wecom: dict[str, int] = {}
    try:
        raws = [(reader.line_num, raw) for raw in reader]
    except csv.Error as exc:
        return Roster((), (RosterError(reader.line_num + 1, RosterProblem.BAD_CSV, {"detail": str(exc)}),))
    for line, raw in raws:
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue  # blank line
        if None in raw:
            errors.append(RosterError(line, RosterProblem.TOO_MANY_CELLS))
            continue
        row, row_errors = _check_row(raw, line)
        errors.extend(row_errors)
        if row is None:
            continue
        key = (row.court, staff_key(row.staff_id))
        if key in seen_ids:
            first = seen_ids[key]
            errors.append(
                RosterError(line, RosterProblem.DUPLICATE_ID, {"staff_id": row.staff_id, "first": first})
            )
            continue
        seen_ids[key] = line
        if row.wecom_userid:  # one WeCom account is one person, whatever the court
            first_wecom = seen_wecom.setdefault(row.wecom_userid.lower(), line)
            if first_wecom != line:
                params = {"value": row.wecom_userid, "first": first_wecom}
                errors.append(RosterError(line, RosterProblem.DUPLICATE_WECOM_USERID, params))
                continue
        rows.append(row)
    if not rows and not errors:
        errors.append(RosterError(0, RosterProblem.NO_PEOPLE))
    for code in dict.fromkeys(r.court for r in rows):  # each court's departments are its own
        errors.extend(_check_oversight([r for r in rows if r.court == code]))
    errors.sort(key=lambda e: e.line)
    warnings = (
        []
        if errors
        else [
            w
            for code in dict.fromkeys(r.court for r in rows)
            for w in _warnings([r for r in rows if r.court == code], code)
        ]
    )
    return Roster(tuple(rows), tuple(errors), tuple(warnings))


def _check_oversight(rows: list[RosterRow]) -> list[RosterError]:
    errors: list[RosterError] = []
    overseen_by: dict[str, RosterRow] = {}
    for row in rows:
        for dept in row.oversees:
            if dept in overseen_by:
                first = overseen_by[dept]
                params: dict[str, str | int] = {
                    "department": dept,
                    "first": first.line,
                    "first_name": first.name,
                }
                errors.append(RosterError(row.line, RosterProblem.DOUBLY_OVERSEEN, params))
            else:
                overseen_by[dept] = row
    return errors


def _warnings(rows: list[RosterRow], court: str = "") -> list[RosterWarning]:
    """Things that are not errors but break the sign-off chain (seed 004 §13) if left as they are."""
    warnings: list[RosterWarning] = []
    if not any(r.role == Role.DISCIPLINE.value for r in rows):
        warnings.append(RosterWarning(GapKind.NO_DISCIPLINE, court))
    overseen = {d for r in rows for d in r.oversees}
    departments = {r.department for r in rows}
    for dept in sorted(overseen - departments):  # a department still to be staffed: a gap, not an error
        warnings.append(RosterWarning(GapKind.OVERSEEN_EMPTY, court, dept))
    leaders = {r.department for r in rows if r.role in OVERSEER_ROLES | {Role.DISCIPLINE.value}}
    staffed = {r.department for r in rows if r.role == Role.STAFF.value}
    heads = {r.department for r in rows if r.role == Role.DEPT_HEAD.value}
    for dept in sorted(staffed - heads - leaders):
        warnings.append(RosterWarning(GapKind.NO_HEAD, court, dept))
    for dept in sorted(staffed - overseen - leaders):
        warnings.append(RosterWarning(GapKind.NO_OVERSEER, court, dept))
    return warnings
