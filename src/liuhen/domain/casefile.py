"""Into the case file (入卷存查): the written material of a record, and a confirmed per-case zero report, go
into the case's file, and someone must put them there.

- seed 000: 建立依法提取、介质存储、专库录入、入卷存查机制，相关信息均应当存入案件正卷;
- seed 001 实施办法 §4: 书面材料一律附随案件卷宗归档备查，其他材料归档时应当注明去向;
- seed 002 §4: 书面材料一律存入案件副卷归档备查; §5 (and seed 001 实施办法 §5): the opinions exempt from the
  register (受委托或者许可，依照工作程序提出的参考意见) are not entered, but go into the 正卷;
- seed 004 §16: 零报告记录，由部门主要负责人确认后随案入卷.

When a record is filed, or a zero report confirmed, its case officer gets a task: put the registration form
and the evidence bundle (or the zero report) into the file, and say where (the file number or place). An
open task past its deadline is reminded once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Volume(enum.StrEnum):
    MAIN = "main"  # 正卷: what the parties may read (exempt opinions, seed 002 §5)
    SECONDARY = "secondary"  # 副卷: a court's record material (seed 002 §4)
    CASE_FILE = "case_file"  # 案卷: the procuratorate's case file (seed 004 §16)


class Source(enum.StrEnum):
    RECORD = "record"
    CASE_ZERO = "case_zero"


#: A disposition that takes a record out of the register's counts: it is kept in the main volume instead
#: (seed 001 实施办法 §5, seed 002 §5).
EXEMPT = "exempt"


def volume_for(profile: str, disposition: str | None) -> Volume:
    """Where the material goes, by the organisation's profile (``court`` / ``procuratorate``)."""
    if disposition == EXEMPT:
        return Volume.MAIN
    return Volume.CASE_FILE if profile == "procuratorate" else Volume.SECONDARY


@dataclass(eq=False)
class CaseFileTask:
    court_id: int
    source: str  # ``Source``
    ref_id: int  # the record's or the zero report's id
    label: str  # the record's number or the zero report's number, for people
    case_number: str
    officer_pk: int
    volume: str  # ``Volume``
    created_at: datetime
    due_at: datetime
    done_at: datetime | None = None
    file_ref: str | None = None  # the file number or place the officer gave
    notified_at: datetime | None = None
    reminded_at: datetime | None = None
    id: int | None = None

    @property
    def open(self) -> bool:
        return self.done_at is None

    def overdue(self, now: datetime) -> bool:
        return self.open and now > self.due_at


MAX_FILE_REF = 200


def clean_file_ref(text: str) -> str | None:
    """The file number or place as typed; None when there is nothing to keep."""
    cleaned = " ".join(text.split())
    return cleaned[:MAX_FILE_REF] or None
