"""The staff roster file (docs/architecture.md external interface).

Header ``staff_id,name,department,position,role,phone,oversees``; extra columns allowed and kept. An optional
``court`` column names the court (its code) each person belongs to; empty or absent means the
deployment's own court, so single-court files keep working.
Validation is all or nothing: every bad row is reported with its line number and a Chinese reason, and
a file with any bad row imports nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from liuhen.domain.model import Role

REQUIRED_COLUMNS = ("staff_id", "name", "department", "position", "role", "phone", "oversees")
OVERSEER_ROLES = frozenset({Role.VICE_PRESIDENT.value, Role.PRESIDENT.value})
_STAFF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")
_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
_MAX_TEXT = 64


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


@dataclass(frozen=True)
class RosterError:
    line: int  # 1 = the header line; 0 = the file as a whole
    reason: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.reason}" if self.line else self.reason


@dataclass(frozen=True)
class Roster:
    rows: tuple[RosterRow, ...]
    errors: tuple[RosterError, ...]
    warnings: tuple[str, ...] = ()

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
    parts = re.split(r"[;；]", value)
    return tuple(p.strip() for p in parts if p.strip())


def _check_row(raw: dict[str, str], line: int) -> tuple[RosterRow | None, list[RosterError]]:
    errors: list[RosterError] = []
    get = {k: (raw.get(k) or "").strip() for k in REQUIRED_COLUMNS}
    if not _STAFF_ID.match(get["staff_id"]):
        errors.append(
            RosterError(line, "工号（staff_id）为空或含有非法字符（只允许字母、数字、_ . -，最长 32 位）")
        )
    for column, label in (("name", "姓名"), ("department", "部门"), ("position", "职务")):
        if not get[column]:
            errors.append(RosterError(line, f"{label}（{column}）不能为空"))
        elif len(get[column]) > _MAX_TEXT:
            errors.append(RosterError(line, f"{label}（{column}）过长（最多 {_MAX_TEXT} 字）"))
    role = get["role"].lower()
    valid_roles = [r.value for r in Role]
    if role not in valid_roles:
        errors.append(RosterError(line, f"角色（role）“{get['role']}”无效，应为：{', '.join(valid_roles)}"))
    if get["phone"] and not _PHONE.match(get["phone"]):
        errors.append(RosterError(line, f"电话（phone）“{get['phone']}”格式不正确"))
    oversees = _split_oversees(get["oversees"])
    if oversees and role not in OVERSEER_ROLES:
        errors.append(
            RosterError(line, "只有副院长（vice_president）或院长（president）可以填写分管部门（oversees）")
        )
    if errors:
        return None, errors
    extra = {k: (v or "").strip() for k, v in raw.items() if k and k not in (*REQUIRED_COLUMNS, "court")}
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
    )
    return row, []


def parse_roster(text: str) -> Roster:
    """Parse and validate a roster CSV text (UTF-8, optional BOM)."""
    text = text.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return Roster(
            (), (RosterError(1, f"表头缺少列：{', '.join(missing)}（应为 {','.join(REQUIRED_COLUMNS)}）"),)
        )
    reader.fieldnames = header
    rows: list[RosterRow] = []
    errors: list[RosterError] = []
    seen_ids: dict[tuple[str, str], int] = {}
    try:
        raws = [(reader.line_num, raw) for raw in reader]
    except csv.Error as exc:
        return Roster((), (RosterError(reader.line_num + 1, f"CSV 格式错误（{exc}），请检查引号和换行"),))
    for line, raw in raws:
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue  # blank line
        if None in raw:
            errors.append(RosterError(line, "列数多于表头"))
            continue
        row, row_errors = _check_row(raw, line)
        errors.extend(row_errors)
        if row is None:
            continue
        if (row.court, row.staff_id) in seen_ids:
            first = seen_ids[(row.court, row.staff_id)]
            errors.append(RosterError(line, f"工号 {row.staff_id} 与第 {first} 行重复"))
            continue
        seen_ids[(row.court, row.staff_id)] = line
        rows.append(row)
    if not rows and not errors:
        errors.append(RosterError(0, "名册中没有人员"))
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
    departments = {r.department for r in rows}
    overseen_by: dict[str, RosterRow] = {}
    for row in rows:
        for dept in row.oversees:
            if dept not in departments:
                errors.append(RosterError(row.line, f"分管部门“{dept}”在名册中没有人员，请检查部门名称"))
            elif dept in overseen_by:
                first = overseen_by[dept]
                errors.append(
                    RosterError(row.line, f"部门“{dept}”已由第 {first.line} 行的 {first.name} 分管")
                )
            else:
                overseen_by[dept] = row
    return errors


def _warnings(rows: list[RosterRow], court: str = "") -> list[str]:
    """Things that are not errors but break the sign-off chain (seed 004 §13) if left as they are."""
    warnings: list[str] = []
    where = f"{court} " if court else ""
    if not any(r.role == Role.DISCIPLINE.value for r in rows):
        warnings.append(f"{where}名册中没有纪检监察人员（role=discipline），记录将无法完成审批。")
    overseen = {d for r in rows for d in r.oversees}
    leaders = {r.department for r in rows if r.role in OVERSEER_ROLES | {Role.DISCIPLINE.value}}
    staffed = {r.department for r in rows if r.role == Role.STAFF.value}
    heads = {r.department for r in rows if r.role == Role.DEPT_HEAD.value}
    for dept in sorted(staffed - heads - leaders):
        warnings.append(f"{where}部门“{dept}”没有部门负责人（dept_head）。")
    for dept in sorted(staffed - overseen - leaders):
        warnings.append(f"{where}部门“{dept}”没有分管院领导（在副院长的 oversees 列中填写）。")
    return warnings
