"""A record's answers as one typed value: the fields of the 登记表 (seed 004 §7 and its form; seed 001
实施办法 §4; seed 002 §3), read once from the stored answers.

The questionnaire is data (``domain/questionnaire.py``) and writes each answer under its field's key, so a
court can adjust questions without code; everything else — routing, need-to-know, reports, the cards — reads
``Answers``, never the raw keys. Keys beginning with ``_`` are the questionnaire's working state and are
not answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from liuhen.domain.questionnaire import named_people

YES = "yes"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _yes(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    return value is True or value == YES


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class Answers:
    """Every field of the 登记表 the recorder answers; None (or empty) where it is not answered (yet)."""

    record_type: str | None = None  # catalogue key (seed 003 §11)
    intervention_time: datetime | None = None
    method: str | None = None  # catalogue key
    storage_medium: str | None = None  # electronic methods (seed 002 §3)
    place: str | None = None  # oral methods (seed 001 实施办法 §4)
    persons_present: str | None = None
    letter_reference: str | None = None  # 函文: its number and date (seed 001 实施办法 §2, §4)
    materials_passed: str | None = None  # 批转材料: who passed on what (seed 001 实施办法 §7(14))
    intervener_name: str | None = None
    intervener_unit: str | None = None
    intervener_contact: str | None = None
    relation: str | None = None  # catalogue key
    organ_category: str | None = None  # catalogue key
    retired: bool | None = None
    principal_leader: bool | None = None  # of the same-level committees (seed 001 实施办法 §6)
    case_number: str | None = None
    case_cause: str | None = None
    stage: str | None = None  # catalogue key
    case_officer: str | None = None
    content: str | None = None
    response: str | None = None  # catalogue key
    response_detail: str | None = None
    special_items: tuple[str, ...] = ()  # catalogue keys (seed 001 实施办法 §7)
    defer_suggestion: bool | None = None  # seed 004 §18
    severe: bool | None = None  # 情节严重 ticked before submission (seed 001 §7, seed 004 §17(1))
    special_notes: str | None = None
    late_reason: str | None = None  # 补记理由 (seed 004 §7)

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Answers:
        # every list page reads the answers of fifty records: each field's reader is looked up once per
        # process, not chosen field by field on every call
        return cls(**{name: read(raw.get(name)) for name, read in _READERS})

    @staticmethod
    def one(raw: Mapping[str, Any], name: str) -> Any:
        """One field, read as ``of`` reads it: for the need-to-know checks that look at one field of every
        row of a list."""
        return _READER[name](raw.get(name))

    @staticmethod
    def read(name: str, value: Any) -> Any:
        """One field's stored value (as the database gave it), read as ``of`` reads it."""
        return _READER[name](value)

    @property
    def people_present(self) -> list[str]:
        """The names among the persons present (在场人员)."""
        return named_people(self.persons_present)

    @property
    def involved(self) -> list[str]:
        """The intervener and the people named as present: who must not sign or read the record (回避)."""
        return [n for n in (self.intervener_name or "", *self.people_present) if n]

    def gist(self, lines: int = 3) -> tuple[str, ...]:
        """The first lines of the content."""
        content = [line.strip() for line in (self.content or "").splitlines() if line.strip()]
        return tuple(content[:lines])


def _items(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


_YES_NO = frozenset({"retired", "principal_leader", "defer_suggestion", "severe"})
_SPECIAL: dict[str, Callable[[Any], Any]] = {"intervention_time": _time, "special_items": _items}
_READERS: tuple[tuple[str, Callable[[Any], Any]], ...] = tuple(
    (f.name, _SPECIAL.get(f.name) or (_yes if f.name in _YES_NO else _text)) for f in fields(Answers)
)
_READER = dict(_READERS)
