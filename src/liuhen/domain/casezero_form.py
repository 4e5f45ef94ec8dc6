"""The per-case zero report's form, word for word from the end of seed 004 (逐案报告; a catalogue).

Seed 004 §16: 检察人员在办理具体案件中没有遇到干预、插手、过问案件的情况，应当作出零报告记录，由部门主要负责人
确认后随案入卷. The officer fills the seed's form with the case and confirms it; what was confirmed is
stored on the report as this text and goes into the case file as it is (``CaseZeroReport.statement``). It
is the seed's wording, not the system's: data, like the questionnaire's questions.
"""

from __future__ import annotations

#: The form's title, in its two lines (seed 004, end of file).
TITLE_LINES = ("领导干部、司法机关内部人员", "干预、插手、过问案件情况逐案报告")

#: The form's last sentence.
CLOSING = "特此报告。"


def case_title(case_number: str) -> str:
    """How the case is named in the statement (the form's 案件名称): the case number, as 案件."""
    return f"{case_number}案件"


def statement(case: str) -> str:
    """The body of the form: 本人承办（案件名称）以来，没有出现领导干部干预、插手和司法机关内部人员过问案件的
    情况。"""
    return f"本人承办{case}以来，没有出现领导干部干预、插手和司法机关内部人员过问案件的情况。"


def filled(case_number: str) -> str:
    """The statement the officer confirms for a case, with the closing sentence."""
    return f"{statement(case_title(case_number))}{CLOSING}"
